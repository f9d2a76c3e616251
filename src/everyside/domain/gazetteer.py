"""A small bundled gazetteer (data only): countries with their ISO 3166-1 alpha-2 code, common
names, demonyms and capitals, and the US states. Compiled by hand from general knowledge of
ISO 3166 and capital cities; no model, no download. Read by `domain/places.py`.

Row format: code|display name|other names and demonyms|capitals (lists ;-separated).
A code may take several rows; the first one names it.
"""

from __future__ import annotations

COUNTRIES = """\
AF|Afghanistan|Afghan;Afghans|Kabul
AL|Albania|Albanian|Tirana
DZ|Algeria|Algerian|Algiers
AD|Andorra||Andorra la Vella
AO|Angola|Angolan|Luanda
AG|Antigua and Barbuda||
AR|Argentina|Argentine;Argentinian|Buenos Aires
AM|Armenia|Armenian|Yerevan
AU|Australia|Australian;Australians|Canberra
AT|Austria|Austrian|Vienna
AZ|Azerbaijan|Azerbaijani|Baku
BS|Bahamas|Bahamian|Nassau
BH|Bahrain|Bahraini|Manama
BD|Bangladesh|Bangladeshi|Dhaka
BB|Barbados||Bridgetown
BY|Belarus|Belarusian|Minsk
BE|Belgium|Belgian|Brussels
BZ|Belize||Belmopan
BJ|Benin||Porto-Novo
BT|Bhutan||Thimphu
BO|Bolivia|Bolivian|La Paz;Sucre
BA|Bosnia and Herzegovina|Bosnia;Bosnian|Sarajevo
BW|Botswana||Gaborone
BR|Brazil|Brazilian;Brazilians|Brasilia;Brasília
BN|Brunei||Bandar Seri Begawan
BG|Bulgaria|Bulgarian|Sofia
BF|Burkina Faso||Ouagadougou
BI|Burundi||Gitega
KH|Cambodia|Cambodian|Phnom Penh
CM|Cameroon|Cameroonian|Yaounde
CA|Canada|Canadian;Canadians|Ottawa
CV|Cape Verde|Cabo Verde|
CF|Central African Republic||Bangui
TD|Chad|Chadian|N'Djamena
CL|Chile|Chilean|Santiago
CN|China|Chinese;PRC|Beijing
CO|Colombia|Colombian|Bogota;Bogotá
KM|Comoros||
CG|Republic of the Congo|Congo-Brazzaville|Brazzaville
CD|Democratic Republic of the Congo|DR Congo;DRC;Congolese|Kinshasa
CR|Costa Rica|Costa Rican|San Jose
CI|Ivory Coast|Cote d'Ivoire;Côte d'Ivoire;Ivorian|Yamoussoukro
HR|Croatia|Croatian|Zagreb
CU|Cuba|Cuban;Cubans|Havana
CY|Cyprus|Cypriot|Nicosia
CZ|Czech Republic|Czechia;Czech|Prague
DK|Denmark|Danish|Copenhagen
DJ|Djibouti||
DM|Dominica||Roseau
DO|Dominican Republic|Dominican|Santo Domingo
EC|Ecuador|Ecuadorian|Quito
EG|Egypt|Egyptian;Egyptians|Cairo
SV|El Salvador|Salvadoran|San Salvador
GQ|Equatorial Guinea||Malabo
ER|Eritrea|Eritrean|Asmara
EE|Estonia|Estonian|Tallinn
SZ|Eswatini|Swaziland|Mbabane
ET|Ethiopia|Ethiopian;Ethiopians|Addis Ababa
FJ|Fiji|Fijian|Suva
FI|Finland|Finnish|Helsinki
FR|France|French|Paris
GA|Gabon|Gabonese|Libreville
GM|Gambia|Gambian|Banjul
GE|Georgia (country)|Georgian|Tbilisi
DE|Germany|German;Germans|Berlin
GH|Ghana|Ghanaian|Accra
GR|Greece|Greek;Greeks|Athens
GD|Grenada||
GT|Guatemala|Guatemalan|Guatemala City
GN|Guinea|Guinean|Conakry
GW|Guinea-Bissau||Bissau
GY|Guyana|Guyanese|
HT|Haiti|Haitian;Haitians|Port-au-Prince
HN|Honduras|Honduran|Tegucigalpa
HK|Hong Kong||
HU|Hungary|Hungarian|Budapest
IS|Iceland|Icelandic|Reykjavik
IN|India|Indian;Indians|New Delhi
ID|Indonesia|Indonesian|Jakarta
IR|Iran|Iranian;Iranians|Tehran
IQ|Iraq|Iraqi;Iraqis|Baghdad
IE|Ireland|Irish|Dublin
IL|Israel|Israeli;Israelis|Jerusalem;Tel Aviv
IT|Italy|Italian;Italians|Rome
JM|Jamaica|Jamaican|
JP|Japan|Japanese|Tokyo
JO|Jordan|Jordanian|Amman
KZ|Kazakhstan|Kazakh|Astana
KE|Kenya|Kenyan|Nairobi
KI|Kiribati||Tarawa
KP|North Korea|North Korean;DPRK|Pyongyang
KR|South Korea|South Korean|Seoul
XK|Kosovo|Kosovar|Pristina
KW|Kuwait|Kuwaiti|Kuwait City
KG|Kyrgyzstan|Kyrgyz|Bishkek
LA|Laos|Lao;Laotian|Vientiane
LV|Latvia|Latvian|Riga
LB|Lebanon|Lebanese|Beirut
LS|Lesotho||Maseru
LR|Liberia|Liberian|Monrovia
LY|Libya|Libyan|Tripoli
LI|Liechtenstein||Vaduz
LT|Lithuania|Lithuanian|Vilnius
LU|Luxembourg||
MG|Madagascar|Malagasy|Antananarivo
MW|Malawi|Malawian|Lilongwe
MY|Malaysia|Malaysian|Kuala Lumpur
MV|Maldives|Maldivian|
ML|Mali|Malian|Bamako
MT|Malta|Maltese|Valletta
MH|Marshall Islands||Majuro
MR|Mauritania|Mauritanian|Nouakchott
MU|Mauritius|Mauritian|Port Louis
MX|Mexico|Mexican;Mexicans|Mexico City
FM|Micronesia||Palikir
MD|Moldova|Moldovan|Chisinau
MC|Monaco||
MN|Mongolia|Mongolian|Ulaanbaatar
ME|Montenegro|Montenegrin|Podgorica
MA|Morocco|Moroccan|Rabat
MZ|Mozambique|Mozambican|Maputo
MM|Myanmar|Burma;Burmese|Naypyidaw
NA|Namibia|Namibian|Windhoek
NR|Nauru||
NP|Nepal|Nepali;Nepalese|Kathmandu
NL|Netherlands|Dutch;Holland|Amsterdam;The Hague
NZ|New Zealand|New Zealander|Wellington
NI|Nicaragua|Nicaraguan|Managua
NE|Niger|Nigerien|Niamey
NG|Nigeria|Nigerian;Nigerians|Abuja;Lagos
MK|North Macedonia|Macedonian|Skopje
NO|Norway|Norwegian|Oslo
OM|Oman|Omani|Muscat
PK|Pakistan|Pakistani;Pakistanis|Islamabad
PW|Palau||Ngerulmud
PS|Palestine|Palestinian;Palestinians;Gaza;West Bank|Ramallah
PA|Panama|Panamanian|Panama City
PG|Papua New Guinea||Port Moresby
PY|Paraguay|Paraguayan|Asuncion;Asunción
PE|Peru|Peruvian|Lima
PH|Philippines|Filipino;Philippine|Manila
PL|Poland|Polish|Warsaw
PT|Portugal|Portuguese|Lisbon
PR|Puerto Rico|Puerto Rican|San Juan
QA|Qatar|Qatari|Doha
RO|Romania|Romanian|Bucharest
RU|Russia|Russian;Russians;Kremlin|Moscow
RW|Rwanda|Rwandan|Kigali
KN|Saint Kitts and Nevis||Basseterre
LC|Saint Lucia||Castries
VC|Saint Vincent and the Grenadines||Kingstown
WS|Samoa|Samoan|Apia
SM|San Marino||
ST|Sao Tome and Principe||
SA|Saudi Arabia|Saudi;Saudis|Riyadh
SN|Senegal|Senegalese|Dakar
RS|Serbia|Serbian|Belgrade
SC|Seychelles||
SL|Sierra Leone||Freetown
SG|Singapore|Singaporean|
SK|Slovakia|Slovak|Bratislava
SI|Slovenia|Slovenian|Ljubljana
SB|Solomon Islands||Honiara
SO|Somalia|Somali|Mogadishu
ZA|South Africa|South African|Pretoria;Johannesburg;Cape Town
SS|South Sudan|South Sudanese|Juba
ES|Spain|Spanish|Madrid
LK|Sri Lanka|Sri Lankan|Colombo
SD|Sudan|Sudanese|Khartoum
SR|Suriname||Paramaribo
SE|Sweden|Swedish|Stockholm
CH|Switzerland|Swiss|Bern;Geneva;Zurich
SY|Syria|Syrian;Syrians|Damascus
TW|Taiwan|Taiwanese|Taipei
TJ|Tajikistan|Tajik|Dushanbe
TZ|Tanzania|Tanzanian|Dodoma;Dar es Salaam
TH|Thailand|Thai|Bangkok
TL|East Timor|Timor-Leste|Dili
TG|Togo|Togolese|Lome
TO|Tonga||Nuku'alofa
TT|Trinidad and Tobago|Trinidad|Port of Spain
TN|Tunisia|Tunisian|Tunis
TR|Turkey|Turkish;Turkiye;Türkiye|Ankara;Istanbul
TM|Turkmenistan|Turkmen|Ashgabat
TV|Tuvalu||Funafuti
UG|Uganda|Ugandan|Kampala
UA|Ukraine|Ukrainian;Ukrainians|Kyiv;Kiev
AE|United Arab Emirates|UAE;Emirati|Abu Dhabi;Dubai
GB|United Kingdom|UK;U.K.;Britain;British;England;English|London
GB||Scotland;Scottish;Wales;Welsh;Downing Street|Edinburgh
US|United States|U.S.;US;USA;U.S.A.;America;American;Americans|
UY|Uruguay|Uruguayan|Montevideo
UZ|Uzbekistan|Uzbek|Tashkent
VU|Vanuatu||Port Vila
VA|Vatican|Vatican City;Holy See|
VE|Venezuela|Venezuelan;Venezuelans|Caracas
VN|Vietnam|Vietnamese|Hanoi
YE|Yemen|Yemeni|Sanaa
ZM|Zambia|Zambian|Lusaka
ZW|Zimbabwe|Zimbabwean|Harare
"""

US_STATES = """\
Alabama;Alaska;Arizona;Arkansas;California;Colorado;Connecticut;Delaware;Florida;Georgia;Hawaii;Idaho;\
Illinois;Indiana;Iowa;Kansas;Kentucky;Louisiana;Maine;Maryland;Massachusetts;Michigan;\
Minnesota;Mississippi;Missouri;Montana;Nebraska;Nevada;New Hampshire;New Jersey;New Mexico;\
New York;North Carolina;North Dakota;Ohio;Oklahoma;Oregon;Pennsylvania;Rhode Island;\
South Carolina;South Dakota;Tennessee;Texas;Utah;Vermont;Virginia;Washington State;\
West Virginia;Wisconsin;Wyoming\
"""

# Big US cities that are not state names, mapped to their state (common in US news titles).
US_CITIES = """\
Chicago=Illinois;Los Angeles=California;San Francisco=California;Houston=Texas;Dallas=Texas;\
Austin=Texas;Miami=Florida;Atlanta=Georgia;Boston=Massachusetts;Philadelphia=Pennsylvania;\
Detroit=Michigan;Minneapolis=Minnesota;Seattle=Washington State;Phoenix=Arizona;\
Las Vegas=Nevada;Denver=Colorado;New Orleans=Louisiana;Baltimore=Maryland;Portland=Oregon;\
Washington state=Washington State;state of Washington=Washington State;Spokane=Washington State;\
Tacoma=Washington State;Olympia=Washington State;Tulsa=Oklahoma;Manhattan=New York;\
Brooklyn=New York;NYC=New York;Surfside=Florida;Tallahassee=Florida;Sacramento=California;\
San Diego=California;Albany=New York;Harrisburg=Pennsylvania;Pittsburgh=Pennsylvania;\
Cleveland=Ohio;Columbus=Ohio;Cincinnati=Ohio;Nashville=Tennessee;Memphis=Tennessee;\
Louisville=Kentucky;Milwaukee=Wisconsin;Kenosha=Wisconsin;Uvalde=Texas;San Antonio=Texas;\
El Paso=Texas;Orlando=Florida;Tampa=Florida;Charlotte=North Carolina;Raleigh=North Carolina\
"""

# Washington, D.C.: the bare name "Washington" means the capital (the state is "Washington
# State"); the federal institutions below imply it only when no more specific place is named.
DC_NAMES = "Washington;Washington, D.C.;Washington D.C.;D.C.;District of Columbia"
FEDERAL = """\
White House;Capitol;Capitol Hill;Congress;Senate;Pentagon;Justice Department;Justice Dept.;\
Department of Justice;DOJ;Supreme Court;State Department;Oval Office;Jan. 6 committee;\
House Democrats;House Republicans;Senate Democrats;Senate Republicans;House GOP;Senate GOP;\
House floor;Senate floor;House Speaker;Speaker of the House;Capitol Police\
"""
