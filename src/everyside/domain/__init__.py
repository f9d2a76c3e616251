"""Pure logic: no I/O, no clock, no globals. Time and settings are arguments."""
