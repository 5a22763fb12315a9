"""Wire agencies: the names newsgraph credits, and the other names each goes by."""

from __future__ import annotations

import unicodedata

# (the name credited, other names the agency goes by). Matching ignores case, accents and punctuation.
AGENCIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Reuters", ("Thomson Reuters", "Reuters News")),
    ("AP", ("Associated Press", "The Associated Press", "AP News")),
    ("AFP", ("Agence France-Presse", "Agence France Presse", "AFP Deutschland")),
    ("dpa", ("Deutsche Presse-Agentur", "dpa-AFX", "dpa AFX")),
    ("APA", ("Austria Presse Agentur", "APA-OTS")),
    ("SDA", ("Keystone-SDA", "Schweizerische Depeschenagentur", "SDA-ATS", "ATS")),
    ("KNA", ("Katholische Nachrichten-Agentur",)),
    ("epd", ("Evangelischer Pressedienst",)),
    ("SID", ("Sport-Informations-Dienst",)),
    ("dts", ("dts Nachrichtenagentur",)),
    ("ANSA", ("Agenzia ANSA",)),
    ("AGI", ("Agenzia Giornalistica Italia",)),
    ("Adnkronos", ()),
    ("EFE", ("Agencia EFE",)),
    ("Europa Press", ()),
    ("Lusa", ("Agência Lusa",)),
    ("Agência Brasil", ()),
    ("ANP", ()),
    ("Belga", ()),
    ("NTB", ("Norsk Telegrambyrå",)),
    ("TT", ("TT Nyhetsbyrån",)),
    ("Ritzau", ()),
    ("STT", ()),
    ("PAP", ("Polska Agencja Prasowa",)),
    ("ČTK", ("CTK", "Česká tisková kancelář")),
    ("MTI", ()),
    ("BTA", ()),
    ("Agerpres", ()),
    ("HINA", ()),
    ("Tanjug", ()),
    ("Ukrinform", ()),
    ("Interfax", ("Interfax-Ukraine",)),
    ("TASS", ("ITAR-TASS",)),
    ("RIA Novosti", ()),
    ("Anadolu", ("Anadolu Agency", "Anadolu Ajansı", "AA")),
    ("IRNA", ()),
    ("WAFA", ()),
    ("KUNA", ()),
    ("WAM", ()),
    ("MENA", ()),
    ("Xinhua", ("Xinhua News Agency",)),
    ("Kyodo", ("Kyodo News",)),
    ("Jiji Press", ("Jiji",)),
    ("Yonhap", ("Yonhap News Agency",)),
    ("KCNA", ()),
    ("CNA", ("Central News Agency",)),
    ("Bernama", ()),
    ("Antara", ()),
    ("PNA", ("Philippine News Agency",)),
    ("PTI", ("Press Trust of India",)),
    ("IANS", ("Indo-Asian News Service",)),
    ("ANI", ("Asian News International",)),
    ("UNI", ("United News of India",)),
    ("AAP", ("Australian Associated Press",)),
    ("CP", ("The Canadian Press", "Canadian Press")),
    ("PA", ("PA Media", "Press Association", "PA Wire")),
    ("UPI", ("United Press International",)),
    ("Bloomberg", ("Bloomberg News",)),
    ("Dow Jones", ("Dow Jones Newswires",)),
    ("SAPA", ("South African Press Association",)),
    ("ANA", ("African News Agency",)),
    ("NAN", ("News Agency of Nigeria",)),
    ("Notimex", ()),
    ("Prensa Latina", ()),
    ("Télam", ()),
)


def name_key(text: str) -> str:
    """Case, accents, spaces and punctuation ignored: `Sophie-Foster` and `sophie foster` agree."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in folded if ch.isalnum())


_AGENCY_BY_KEY: dict[str, str] = {}
for _name, _aliases in AGENCIES:
    for _alias in (_name, *_aliases):
        _AGENCY_BY_KEY[name_key(_alias)] = _name


def agency_name(text: str) -> str | None:
    """The credited name of the wire agency `text` names (`Associated Press` → `AP`), or None."""
    key = name_key(text)
    return _AGENCY_BY_KEY.get(key) if key else None
