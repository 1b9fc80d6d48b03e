"""The demo registry loaded by `manage.py seed_demo`: real, publicly documented healthcare
hashtags with honest descriptions, a small ontology, and a few pending submissions.

Chat schedules are as the hosts publicly listed them; many chats change or pause over
the years, so every chat carries SCHEDULE_NOTE and no entry is marked verified.
"""

from datetime import UTC, date, datetime, time

SCHEDULE_NOTE = "As publicly listed by the hosts; the schedule may have changed."

# slug, name, parent slug, description
CATEGORIES = [
    ("diseases", "Diseases & conditions", None, "Communities around a disease or condition."),
    ("cancer", "Cancer", "diseases", "Cancer communities, by type."),
    ("breast-cancer", "Breast cancer", "cancer", ""),
    ("lung-cancer", "Lung cancer", "cancer", ""),
    ("diabetes", "Diabetes", "diseases", "Type 1, type 2 and gestational diabetes."),
    ("rare-diseases", "Rare diseases", "diseases", ""),
    ("specialties", "Specialties", None, "Clinical specialties and professions."),
    ("oncology", "Oncology", "specialties", ""),
    ("medical-education", "Medical education", "specialties", ""),
    ("palliative-care", "Hospice & palliative care", "specialties", ""),
    ("conferences", "Conferences", None, "Hashtags of conferences and meetings."),
    ("health-it-conferences", "Health IT conferences", "conferences", ""),
    ("health-it", "Health IT", None, "Health information technology and digital health."),
    ("women-in-health-it", "Women in health IT", "health-it", ""),
    ("patient-advocacy", "Patient advocacy", None, "Patients and caregivers speaking up."),
    ("participatory-medicine", "Participatory medicine", "patient-advocacy", ""),
    ("communities", "Communities", None, "Professional and social communities in healthcare."),
    ("healthcare-leadership", "Healthcare leadership", "communities", ""),
    ("social-media-in-healthcare", "Social media in healthcare", "communities", ""),
    ("women-in-healthcare", "Women in healthcare", "communities", ""),
]


def _at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=UTC)


# Public entries. Times are fixed so that seeding twice writes nothing new.
HASHTAGS = [
    {
        "tag": "HCLDR",
        "name": "Healthcare Leaders",
        "kind": "chat",
        "description": (
            "A weekly chat on healthcare leadership, patient experience and the future of "
            "care, where patients, caregivers, clinicians and executives take part as equals. "
            "Co-founded in 2013 by Colin Hung and Joe Babaian."
        ),
        "categories": ["healthcare-leadership", "social-media-in-healthcare"],
        "platforms": ["x"],
        "chats": [
            {
                "title": "Weekly chat",
                "weekdays": "TU",
                "start_time": time(20, 30),
                "timezone": "America/New_York",
                "duration_minutes": 60,
            },
        ],
        "hosts": [
            ("Colin_Hung", "Colin Hung", "founder"),
            ("JoeBabaian", "Joe Babaian", "founder"),
        ],
        "approved_at": _at(2024, 1, 8),
    },
    {
        "tag": "HITsm",
        "name": "Health IT Social Media",
        "kind": "health_it",
        "description": (
            "A weekly chat about health information technology: interoperability, EHRs, "
            "digital health and the people who build and use them."
        ),
        "categories": ["health-it", "social-media-in-healthcare"],
        "platforms": ["x"],
        "chats": [
            {
                "title": "Weekly chat",
                "weekdays": "FR",
                "start_time": time(12, 0),
                "timezone": "America/New_York",
                "duration_minutes": 60,
            },
        ],
        "approved_at": _at(2024, 1, 9),
    },
    {
        "tag": "hcsm",
        "name": "Healthcare Communications & Social Media",
        "kind": "community",
        "description": (
            "One of the first healthcare hashtags: started by Dana Lewis in 2009 as a weekly "
            "chat on how social media can improve health communication, and still used for "
            "the topic at large."
        ),
        "categories": ["social-media-in-healthcare"],
        "platforms": ["x", "linkedin"],
        "chats": [
            {
                "title": "Sunday chat",
                "weekdays": "SU",
                "start_time": time(20, 0),
                "timezone": "America/Chicago",
                "duration_minutes": 60,
            },
        ],
        "hosts": [("danamlewis", "Dana Lewis", "founder")],
        "approved_at": _at(2024, 1, 10),
    },
    {
        "tag": "BCSM",
        "name": "Breast Cancer Social Media",
        "kind": "disease",
        "description": (
            "A community for people affected by breast cancer, their families and clinicians, "
            "founded in 2011 by Alicia Staley, Jody Schoger and Dr. Deanna Attai, with a "
            "weekly evidence-based chat."
        ),
        "categories": ["breast-cancer", "oncology", "patient-advocacy"],
        "platforms": ["x"],
        "website": "https://bcsm.org/",
        "chats": [
            {
                "title": "Weekly chat",
                "weekdays": "MO",
                "start_time": time(21, 0),
                "timezone": "America/New_York",
                "duration_minutes": 60,
            },
        ],
        "hosts": [
            ("stales", "Alicia Staley", "founder"),
            ("jodyms", "Jody Schoger", "founder"),
            ("DrAttai", "Dr. Deanna Attai", "founder"),
        ],
        "approved_at": _at(2024, 1, 11),
    },
    {
        "tag": "MedEd",
        "name": "Medical Education",
        "kind": "specialty",
        "description": (
            "Medical education in all its forms: undergraduate and graduate training, "
            "continuing education, teaching methods and research."
        ),
        "categories": ["medical-education"],
        "platforms": ["x", "bluesky", "linkedin"],
        "aliases": ["MedicalEducation"],
        "approved_at": _at(2024, 1, 12),
    },
    {
        "tag": "pinksocks",
        "name": "#pinksocks",
        "kind": "community",
        "description": (
            "A global community of healthcare innovators and changemakers, started by Nick "
            "Adkins in 2016, who gives pink socks to the people he meets as a sign of "
            "connection, kindness and inclusion."
        ),
        "categories": ["communities"],
        "platforms": ["x", "linkedin", "instagram"],
        "hosts": [("nickisnpdx", "Nick Adkins", "founder")],
        "approved_at": _at(2024, 1, 13),
    },
    {
        "tag": "epatient",
        "name": "e-Patients",
        "kind": "community",
        "description": (
            "Patients who are equipped, enabled, empowered and engaged in their health and "
            "care, a term from Dr. Tom Ferguson carried on by the Society for Participatory "
            "Medicine and advocates such as 'e-Patient Dave' deBronkart."
        ),
        "categories": ["participatory-medicine", "patient-advocacy"],
        "platforms": ["x", "linkedin"],
        "approved_at": _at(2024, 1, 14),
    },
    {
        "tag": "WomeninHIT",
        "name": "Women in Health IT",
        "kind": "community",
        "description": "Recognising, connecting and supporting women who work in health IT.",
        "categories": ["women-in-health-it"],
        "platforms": ["x", "linkedin"],
        "aliases": ["WomenInHealthIT"],
        "approved_at": _at(2024, 1, 15),
    },
    {
        "tag": "HealthITChicks",
        "name": "Health IT Chicks",
        "kind": "community",
        "description": "A community of women working in health IT, sharing news and support.",
        "categories": ["women-in-health-it"],
        "platforms": ["x"],
        "approved_at": _at(2024, 1, 16),
    },
    {
        "tag": "WomeninHealthcare",
        "name": "Women in Healthcare",
        "kind": "community",
        "description": "Women's careers, leadership and equity across the healthcare workforce.",
        "categories": ["women-in-healthcare", "healthcare-leadership"],
        "platforms": ["x", "linkedin", "instagram"],
        "approved_at": _at(2024, 1, 17),
    },
    {
        "tag": "hpm",
        "name": "Hospice and Palliative Medicine",
        "kind": "specialty",
        "description": (
            "Hospice and palliative care: serious illness, symptom management, advance care "
            "planning and end-of-life care, with a weekly chat for clinicians, patients and "
            "families."
        ),
        "categories": ["palliative-care"],
        "platforms": ["x"],
        "chats": [
            {
                "title": "Weekly chat",
                "weekdays": "WE",
                "start_time": time(21, 0),
                "timezone": "America/New_York",
                "duration_minutes": 60,
            },
        ],
        "approved_at": _at(2024, 1, 18),
    },
    {
        "tag": "HIMSS17",
        "name": "HIMSS17 Conference & Exhibition",
        "kind": "conference",
        "description": (
            "The 2017 annual conference of HIMSS, the Healthcare Information and Management "
            "Systems Society, held in Orlando, Florida from 19 to 23 February 2017."
        ),
        "categories": ["health-it-conferences"],
        "platforms": ["x"],
        "start_date": date(2017, 2, 19),
        "end_date": date(2017, 2, 23),
        "place": "Orlando, Florida, USA",
        "status": "retired",
        "status_reason": "The conference took place in February 2017.",
        "approved_at": _at(2024, 1, 19),
    },
]

DEMO_SUBMITTER = ("Demo Submitter", "demo-submitter@example.org")

# Submissions waiting in the curators' queue.
PENDING = [
    {
        "tag": "LCSM",
        "name": "Lung Cancer Social Media",
        "kind": "disease",
        "description": (
            "A community for people affected by lung cancer, caregivers, advocates and "
            "clinicians, with a chat every other Thursday."
        ),
        "categories": ["lung-cancer", "oncology"],
        "platforms": ["x"],
        "chats": [
            {
                "title": "Chat",
                "weekdays": "TH",
                "interval": 2,
                "starts_on": date(2026, 1, 8),
                "start_time": time(20, 0),
                "timezone": "America/New_York",
                "duration_minutes": 60,
            },
        ],
        "note": "Schedule copied from the community's public page.",
    },
    {
        "tag": "DSMA",
        "name": "Diabetes Social Media Advocacy",
        "kind": "disease",
        "description": "Diabetes advocates meeting for a weekly chat about living with diabetes.",
        "categories": ["diabetes", "patient-advocacy"],
        "platforms": ["x"],
        "chats": [
            {
                "title": "Weekly chat",
                "weekdays": "WE",
                "start_time": time(21, 0),
                "timezone": "America/New_York",
                "duration_minutes": 60,
            },
        ],
    },
    {
        "tag": "RareDisease",
        "name": "Rare Disease",
        "kind": "disease",
        "description": (
            "People living with rare diseases, their families, researchers and advocates."
        ),
        "categories": ["rare-diseases", "patient-advocacy"],
        "platforms": ["x", "instagram"],
    },
]
