"""Readers (issue 21), pure: account input rules, signed unsubscribe tokens, My News Bias over a
time window, the For You ranking, followed-story alerts and the text of the e-mail we send."""
