"""The institution's name inside a Spanish sentence: with its article, contracted after "de" and "a".

The name is configured bare ("Municipalidad de San Ejemplo"), as the header shows it. A sentence needs
its article: "la Municipalidad de San Ejemplo certifica", "los valores de la Municipalidad de…",
"del Municipio de…", "bienvenida a la Municipalidad…". The article is derived from the name's first
noun (an honorific such as "Ilustre" is skipped); a name typed with its article ("El Consejo…") keeps
it, so an administrator can settle any case the rule gets wrong.
"""

from __future__ import annotations

ARTICLES = ("el", "la", "los", "las")
#: Words before the noun that do not decide its gender ("Ilustre Municipalidad de…").
HONORIFICS = ("ilustre", "i.", "honorable", "h.")
#: Feminine nouns that institutions are named after; endings cover most others (-dad, -ción, -sión).
FEMININE = ("municipalidad", "corporación", "asociación", "gobernación", "delegación", "intendencia", "alcaldía")
FEMININE_ENDINGS = ("dad", "ción", "sión", "ía")
CONTRACTIONS = {("de", "el"): "del", ("a", "el"): "al"}


def article_of(name: str) -> str:
    """The definite article the name takes: "la", "el", or the one it was typed with."""
    words = name.split()
    if not words:
        return ""
    if words[0].lower() in ARTICLES:
        return words[0].lower()
    noun = next((word.lower() for word in words if word.lower() not in HONORIFICS), words[0].lower())
    return "la" if noun in FEMININE or noun.endswith(FEMININE_ENDINGS) else "el"


def with_article(name: str, preposition: str | None = None, capital: bool = False) -> str:
    """ "la Municipalidad de San Ejemplo"; with "de": "de la …" or "del Municipio …"; `capital` for a
    sentence's start ("La Municipalidad … certifica")."""
    name = " ".join((name or "").split())
    if not name:
        return name
    article = article_of(name)
    words = name.split(" ")
    bare = " ".join(words[1:]) if words[0].lower() in ARTICLES else name
    lead = [preposition, article] if preposition else [article]
    if preposition and (preposition, article) in CONTRACTIONS:
        lead = [CONTRACTIONS[(preposition, article)]]
    phrase = " ".join([*lead, bare])
    return phrase[:1].upper() + phrase[1:] if capital else phrase
