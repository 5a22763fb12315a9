"""The transliteration-variant families of the entities benchmark: those written here (`FAMILIES`),
the near-names that must stay apart (`NEAR_NAMES`), and those of the demo corpus's manifest."""

from __future__ import annotations

import json
from pathlib import Path

MANIFEST_KIND = {"person": "person", "organization": "org", "org": "org", "place": "place"}
HARD = "~"  # marks a name from another romanisation system, a translation or a nickname

# The families written for this benchmark: (type, name, name, …). The first name is the family's key.
# `~` marks a cross-system form.
FAMILIES: tuple[tuple[str, ...], ...] = (
    # Arabic and Persian names
    ("person", "Muammar Gaddafi", "Moammar Qadhafi", "Mu'ammar al-Qaddafi", "Muammar Qaddafi", "Moamar Gadafi"),
    ("person", "Hosni Mubarak", "Husni Mubarak", "Hosny Mubarak"),
    ("person", "Mahmoud Ahmadinejad", "Mahmud Ahmadinejad", "Mahmoud Ahmadi-Nejad", "Mahmood Ahmadinezhad"),
    ("person", "Ali Khamenei", "Ali Khamene'i", "Ayatollah Ali Khamenei", "Ali Hosseini Khamenei"),
    ("person", "Abdel Fattah el-Sisi", "Abd al-Fattah al-Sisi", "Abdul Fattah al-Sisi", "Abdel-Fattah el-Sissi"),
    ("person", "Bashar al-Assad", "Bashar Assad", "Bachar el-Assad", "Bashshar al-Asad"),
    ("person", "Hassan Nasrallah", "Hasan Nasrallah", "Hassan Nasrullah", "Sayyed Hassan Nasrallah"),
    ("person", "Moqtada al-Sadr", "Muqtada al-Sadr", "Muqtada Sadr", "Moqtada Sadr"),
    ("person", "Ismail Haniyeh", "Ismail Haniya", "Isma'il Haniyya", "Ismail Haniye"),
    ("person", "Ayman al-Zawahiri", "Ayman Zawahri", "Aiman al-Zawahiri", "Ayman az-Zawahiri"),
    ("person", "Osama bin Laden", "Usama bin Ladin", "Oussama Ben Laden"),
    ("person", "Abu Bakr al-Baghdadi", "Abubakr al-Baghdadi", "Abu Bakr Baghdadi"),
    ("person", "Qassem Soleimani", "Qasem Soleimani", "Ghasem Soleimani", "Qasim Sulaimani", "Kassem Suleimani"),
    ("person", "Hassan Rouhani", "Hasan Rowhani", "Hassan Rohani"),
    ("person", "Ebrahim Raisi", "Ibrahim Raisi", "Ebrahim Raeisi"),
    ("person", "Mohammed bin Salman", "Muhammad bin Salman", "Mohammad bin Salman Al Saud", "Mohamed ben Salmane"),
    ("person", "Mahmoud Abbas", "Mahmud Abbas", "Mahmoud Abbass"),
    ("person", "Nouri al-Maliki", "Nuri al-Maliki", "Nouri Maliki", "Nuri Kamil al-Maliki"),
    ("person", "Recep Tayyip Erdogan", "Recep Tayyip Erdoğan", "Tayyip Erdogan", "Recep Erdogan"),
    ("person", "Ahmad Shah Massoud", "Ahmed Shah Masood", "Ahmad Shah Massud"),
    # Russian, Ukrainian and Belarusian names
    ("person", "Yevgeny Prigozhin", "Evgeny Prigozhin", "Yevgeniy Prigozhin", "~Evgueni Prigojine"),
    ("person", "Aleksandr Lukashenko", "Alexander Lukashenko", "~Alyaksandr Lukashenka"),
    ("person", "Volodymyr Zelensky", "Volodymyr Zelenskyy", "Volodymyr Zelenskiy", "~Vladimir Zelensky"),
    ("person", "Vladimir Putin", "~Vladimir Poutine", "~Wladimir Putin", "Vladimir Vladimirovich Putin"),
    ("person", "Sergei Lavrov", "Sergey Lavrov", "Serguei Lavrov", "~Sergej Lawrow"),
    ("person", "Mikhail Gorbachev", "~Michail Gorbatschow", "~Mikhaïl Gorbatchev"),
    ("person", "Alexei Navalny", "Aleksei Navalny", "Alexey Navalnyy", "Aleksey Navalnyi"),
    ("person", "Dmitry Medvedev", "Dmitri Medvedev", "~Dmitrij Medwedew"),
    ("person", "Nursultan Nazarbayev", "Nursultan Nazarbaev"),
    # Chinese and Korean names: Pinyin beside Wade-Giles is hard by design
    ("person", "Xi Jinping", "Xi Jin-ping", "~Hsi Chin-p'ing"),
    ("person", "Mao Zedong", "~Mao Tse-tung", "~Mao Tse Tung"),
    ("person", "Deng Xiaoping", "~Teng Hsiao-p'ing"),
    ("person", "Jiang Zemin", "~Chiang Tse-min"),
    ("person", "Chiang Kai-shek", "~Jiang Jieshi"),
    ("person", "Li Keqiang", "Li Ke-qiang"),
    ("person", "Li Qiang"),
    ("person", "Kim Jong-un", "Kim Jong Un", "Kim Jong-eun", "Kim Jongun"),
    ("person", "Kim Jong-il", "Kim Jong Il"),
    ("person", "Kim Il-sung", "Kim Il Sung"),
    # African names
    ("person", "Abiy Ahmed", "Abiy Ahmed Ali", "Abiy Ahmad"),
    ("person", "Muhammadu Buhari", "Mohammadu Buhari", "Muhammad Buhari"),
    ("person", "Yoweri Museveni", "Yoweri Kaguta Museveni"),
    ("person", "Cyril Ramaphosa", "Cyril Matamela Ramaphosa"),
    ("person", "Olusegun Obasanjo", "Olusegun Obasanjọ"),
    # distinct near-names: each its own family
    ("person", "Hillary Clinton", "Hillary Rodham Clinton"),
    ("person", "Bill Clinton", "~William Jefferson Clinton"),
    ("person", "Chelsea Clinton"),
    ("person", "Olaf Scholz"),
    ("person", "Olaf Schulze"),
    ("person", "Haider al-Zubairi", "Haidar Zubairi"),
    ("person", "George W. Bush", "George Walker Bush"),
    ("person", "George H. W. Bush", "George Herbert Walker Bush"),
    ("person", "Raúl Castro", "Raul Castro"),
    ("person", "Fidel Castro"),
    ("person", "Mojtaba Khamenei"),
    ("person", "Rafik Hariri", "Rafiq al-Hariri"),
    ("person", "Saad Hariri", "Saad al-Hariri"),
    ("person", "Hafez al-Assad", "Hafiz al-Asad"),
    ("person", "Maher al-Assad", "Maher Assad"),
    ("person", "Mohammed bin Zayed", "Mohamed bin Zayed", "Muhammad bin Zayid"),
    ("person", "Ahmad Massoud", "Ahmed Masoud"),
    # organisations
    ("org", "Kata'ib Hezbollah", "Kataeb Hizbollah", "Kataib Hizballah", "Kata’ib Hizbullah", "~Hezbollah Brigades"),
    ("org", "Asa'ib Ahl al-Haq", "Asaib Ahl al Haq", "Asa’ib Ahl al-Haqq", "Asaeb Ahl al-Haq"),
    ("org", "Hay'at Tahrir al-Sham", "Hayat Tahrir al-Sham", "Hay’at Tahrir ash-Sham", "~HTS"),
    ("org", "Hezbollah", "Hizbollah", "Hizballah", "Hizbullah"),
    ("org", "Hamas", "HAMAS", "~Harakat al-Muqawama al-Islamiya"),
    ("org", "Popular Mobilization Forces", "Popular Mobilisation Forces", "~Al-Hashd al-Shaabi", "~Hashd al-Sha'bi"),
    ("org", "Taliban", "Taleban", "the Taliban"),
    ("org", "Al-Shabaab", "al-Shabab", "Al Shabaab", "~Harakat al-Shabaab al-Mujahideen"),
    ("org", "Boko Haram", "Boko-Haram"),
    ("org", "Ansar Allah", "Ansarallah", "Ansar Allah movement"),
    ("org", "Jabhat al-Nusra", "Jabhat an-Nusra", "Jabhat al-Nusrah", "~Al-Nusra Front", "~Nusra Front"),
    ("org", "Gazprom", "PAO Gazprom", "Gazprom PJSC", "OAO Gazprom"),
    ("org", "Rosneft", "Rosneft Oil Company", "OAO Rosneft"),
    ("org", "Saudi Aramco", "~Saudi Arabian Oil Company", "Aramco"),
    ("org", "Kata'ib Sayyid al-Shuhada", "Kataib Sayyid al-Shuhada"),
    ("org", "Hizb ut-Tahrir", "Hizb al-Tahrir"),
    ("org", "Ahrar al-Sham", "Harakat Ahrar al-Sham"),
    ("org", "Jaysh al-Mahdi", "Jaish al-Mahdi", "Jeish al-Mahdi"),
    ("org", "Jaysh al-Islam", "Jaish al-Islam"),
    ("org", "Saraya al-Salam", "Saraya al-Salaam"),
    ("org", "Gazprom Neft"),
    ("org", "Bank Melli", "Bank Melli Iran"),
    ("org", "Bank Mellat"),
    # places
    ("place", "Mosul", "~Mawsil", "~Al-Mawsil"),
    ("place", "Kyiv", "~Kiev"),
    ("place", "Benghazi", "Banghazi", "~Bengasi"),
    ("place", "Fallujah", "Falluja", "Al-Fallujah"),
    ("place", "Kirkuk", "Karkuk"),
    ("place", "Erbil", "Irbil", "Arbil", "~Hawler"),
    ("place", "Sanaa", "Sana'a", "San'a"),
    ("place", "Basra", "Basrah"),
    ("place", "Busra", "Bosra"),
    ("place", "Samarra", "Samara'"),
    ("place", "Samawa", "Samawah", "As-Samawah"),
    ("place", "Karbala", "Kerbala"),
    ("place", "Kabul"),
    ("place", "Tikrit", "Takrit"),
    ("place", "Tabriz"),
    ("place", "Haditha", "Hadithah"),
    ("place", "Hodeidah", "Hudaydah", "Hodeida"),
    ("place", "Qaim", "Al-Qaim", "al-Qa'im"),
    ("place", "Qom", "Qum"),
    ("place", "Daraa", "Deraa", "Dar'a"),
    ("place", "Derna", "Darnah"),
)

# Deliberate distinct near-names: families (by key) that must stay apart.
NEAR_NAMES: tuple[tuple[str, ...], ...] = (
    ("Hillary Clinton", "Bill Clinton", "Chelsea Clinton"),
    ("Olaf Scholz", "Olaf Schulze"),
    ("Haider al-Zubaidi", "Haider al-Zubairi"),
    ("George W. Bush", "George H. W. Bush"),
    ("Raúl Castro", "Fidel Castro"),
    ("Ali Khamenei", "Mojtaba Khamenei"),
    ("Rafik Hariri", "Saad Hariri"),
    ("Bashar al-Assad", "Hafez al-Assad", "Maher al-Assad"),
    ("Mohammed bin Salman", "Mohammed bin Zayed"),
    ("Ahmad Shah Massoud", "Ahmad Massoud"),
    ("Li Keqiang", "Li Qiang"),
    ("Kim Jong-un", "Kim Jong-il", "Kim Il-sung"),
    ("Kata'ib Hezbollah", "Kata'ib Sayyid al-Shuhada", "Hezbollah"),
    ("Hezbollah", "Hizb ut-Tahrir"),
    ("Hay'at Tahrir al-Sham", "Ahrar al-Sham"),
    ("Jaysh al-Mahdi", "Jaysh al-Islam"),
    ("Saraya al-Salam", "Saraya al-Nour"),
    ("Gazprom", "Gazprom Neft"),
    ("Bank Melli", "Bank Mellat"),
    ("Basra", "Busra"),
    ("Samarra", "Samawa"),
    ("Karbala", "Kabul"),
    ("Tikrit", "Tabriz"),
    ("Haditha", "Hodeidah"),
    ("Qaim", "Qom"),
    ("Daraa", "Derna"),
)


def load_families(manifest: Path) -> tuple[list[tuple[str, str, list[tuple[str, bool]]]], list[tuple[str, ...]]]:
    """(key, kind, [(name, hard)]) for every family, and the groups of keys that must stay apart."""
    families: list[tuple[str, str, list[tuple[str, bool]]]] = []
    near: list[tuple[str, ...]] = list(NEAR_NAMES)
    if manifest.is_file():
        entities = json.loads(manifest.read_text(encoding="utf-8")).get("entities", [])
        for entity in entities:
            kind = MANIFEST_KIND.get(entity.get("type", ""))
            if kind is None:
                continue
            names = [entity["name"], *entity.get("variants", []), *entity.get("short_forms", [])]
            families.append((entity["name"], kind, [(n, False) for n in names]))
            for other in entity.get("distinct_from", []) or []:
                near.append((entity["name"], other))
    for kind, *names in FAMILIES:
        members = [(n.lstrip(HARD), n.startswith(HARD)) for n in names]
        families.append((members[0][0], kind, members))
    return families, near
