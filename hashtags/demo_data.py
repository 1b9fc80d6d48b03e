"""The demo registry loaded by `manage.py seed_demo`: real healthcare hashtags and their
public history, a small ontology, and a few pending submissions.

Every fact here comes from the fact check in /work/research/demo_facts.md (stored copies
of public pages, researched in December 2026); each public entry's `source` is its best
primary page. What no source confirms is not stated, or is called "unverified" (in a
description or a chat's note). A date is given exactly only where a source gives it;
otherwise a chat's note gives the year or month. Handles are only those a source quotes.

`last_verified` is set only on the entries whose every stated fact has a source quote in
that research, at the research's fixed time (so seeding twice writes nothing new); the
others stay unverified. Whether any chat still meets in late 2026 is unverified for all.
"""

from datetime import UTC, date, datetime, time

# When the research behind this file was done: the demo's verified entries were checked
# then.
RESEARCHED = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)

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


def _host(
    handle: str, name: str, role: str, since: int | None = None, until: int | None = None
) -> dict:
    """A host by their X (Twitter) handle as a source quotes it; `until` None means the
    end of their tenure is unknown (or they still hold the role)."""
    return {"handle": handle, "display_name": name, "role": role, "since": since, "until": until}


HCLDR_FINAL = "https://hcldr.life/final-hcldr-tweetchat-october-31st-2023.html"
HITSM_FINAL = (
    "https://www.connectedhealthpulse.com/blog/health-it/?open-article-id=23430368"
    "&article-title=final--hitsm-chat----himss23-preview&blog-domain=healthcareittoday.com"
    "&blog-title=healthcare-it-today"
)

# Public entries. Times are fixed so that seeding twice writes nothing new; approved_at
# is when the demo directory approved the entry, not a historical date.
HASHTAGS = [
    {
        # Sources: hcldr.wordpress.com/about ("created by Colin Hung and Lisa Fields in
        # 2012", "Every Tuesday at 8:30pm Eastern"); hcldr.wordpress.com/2019/08/06 ("Way
        # back in August 2012, we held our first 30min tweetchat"); Mayo Clinic 2015
        # ("every Tuesday from 8:30-9:30PM ET", moderators with handles); looking-back-2014
        # (Fields retired spring 2014, Babaian and Keefe joined as moderators, no chat on
        # 30 December 2014); hcldr.life final-chat post (31 October 2023).
        "tag": "HCLDR",
        "name": "Healthcare Leaders",
        "kind": "chat",
        "description": (
            "A tweet chat for healthcare leaders, created in 2012 by Colin Hung and Lisa "
            "Fields; the first chat was held in August 2012. It met weekly on Tuesdays at "
            "8:30 PM Eastern. Lisa Fields retired from social media in spring 2014, and Joe "
            "Babaian and Bernadette Keefe, MD joined as moderators that year. The final "
            "tweetchat was on 31 October 2023; the hosts said the community would continue "
            "beyond it. Any later activity is unverified."
        ),
        "source": "https://hcldr.wordpress.com/about/",
        "categories": ["healthcare-leadership", "social-media-in-healthcare"],
        "platforms": ["x"],
        "chats": [
            {
                "title": "Weekly chat",
                "weekdays": "TU",
                "start_time": time(20, 30),
                "timezone": "America/New_York",
                "duration_minutes": 60,
                "starts_on": None,
                "ends_on": date(2023, 10, 31),
                "cancelled_dates": ["2014-12-30"],
                "note": (
                    "First chat August 2012 (exact date unverified; Mayo Clinic gives 23 Oct "
                    "2012). Schedule: https://hcldr.wordpress.com/about/ Final chat: "
                    f"{HCLDR_FINAL}"
                ),
            },
        ],
        "hosts": [
            # hcldr.life/about.html: "Today, Colin Hung and Joe Babaian are custodians of
            # the HCLDR Community" (undated; the community outlived the chat), so neither
            # has an end year. Bernadette Keefe, MD (@nxtstop1, co-host from 2014) is not
            # listed: she is absent from that line and the year she stopped is unknown,
            # which a host without `until` (shown as current) cannot say.
            _host("Colin_Hung", "Colin Hung", "founder", 2012),
            _host("JoeBabaian", "Joe Babaian", "moderator", 2014),
        ],
        "approved_at": _at(2024, 1, 8),
        "last_verified": RESEARCHED,
    },
    {
        # Sources: healthstandards.com 2012-01-10 (inaugural chat "on January 10, 2011",
        # "every Friday at 11 a.m., CT"); healthcareittoday 2016-11-23 (John Lynn takes
        # over); Friday noon ET 2017-2021; weekly still in April 2021; final-chat post
        # ("ending the weekly and then monthly #HITsm chat", last regular chat 4/7/2023).
        "tag": "HITsm",
        "name": "Health IT Social Media",
        "kind": "health_it",
        "description": (
            "A tweet chat on health IT social media. The HL7 Standards team held the first "
            "#HITsm TweetChat on 10 January 2011 and hosted it on Fridays at 11 AM Central "
            "(noon Eastern); in 2016 John Lynn of Healthcare Scene took it over. The chat "
            "was weekly, then monthly (when it changed is unverified); the last regularly "
            "scheduled chat was on 7 April 2023. The hosts said the hashtag would live on."
        ),
        "source": "http://healthstandards.com/blog/2012/01/10/happy-birthday-hitsm-tweetchat/",
        "categories": ["health-it", "social-media-in-healthcare"],
        "platforms": ["x"],
        "chats": [
            {
                "title": "Weekly chat",
                "weekdays": "FR",
                "start_time": time(12, 0),
                "timezone": "America/New_York",
                "duration_minutes": 60,
                "starts_on": date(2011, 1, 10),
                "ends_on": None,
                # Stopped when the chat became monthly, on a date nobody documented.
                "is_active": False,
                "note": (
                    "Fridays 11 AM CT / noon ET, one hour (HL7 Standards 2012, Healthcare IT "
                    "Today 2017-2021). First chat 10 Jan 2011 as the source states (a "
                    "Monday). Weekly still in April 2021; date it became monthly unverified."
                ),
            },
            {
                "title": "Monthly chat",
                "frequency": "monthly",
                "weekdays": "FR",
                "month_weeks": [1],
                "start_time": time(12, 0),
                "timezone": "America/New_York",
                "duration_minutes": 60,
                "starts_on": None,
                "ends_on": date(2023, 4, 7),
                "note": (
                    f"Last regular chat 7 Apr 2023: {HITSM_FINAL} Start unverified; "
                    "1st Friday inferred from that date."
                ),
            },
        ],
        "hosts": [
            _host("HealthStandards", "HL7 Standards", "host", 2011, 2016),
            _host("techguy", "John Lynn", "host", 2016, 2023),
        ],
        "approved_at": _at(2024, 1, 9),
    },
    {
        # Sources: healthsocmed.com "Sunsetting #hcsm chat" (name, "first international
        # healthcare hashtag chat", began January 2009, Sundays 8pm CT); philbaumann.com
        # 2009 ("#hcsm Founder @danamlewis", "Sundays at 8:00pm Central"); hrnewsinhealthcare
        # ("Each Sunday 9-10pm ET"); 33charts and drmikesevilla, 14 January 2018 (last chat).
        "tag": "hcsm",
        "name": "Healthcare Communications & Social Media",
        "kind": "community",
        "description": (
            "Healthcare communications & social media: described by its hosts as the first "
            "international healthcare hashtag chat. Dana Lewis created it in January 2009 "
            "and moderated it; it met almost every Sunday at 8 PM Central until the last "
            "chat on 14 January 2018."
        ),
        "source": "https://healthsocmed.com/tag/about-hcsm/",
        "categories": ["social-media-in-healthcare"],
        "platforms": ["x"],
        "chats": [
            {
                "title": "Sunday chat",
                "weekdays": "SU",
                "start_time": time(20, 0),
                "timezone": "America/Chicago",
                "duration_minutes": 60,
                "starts_on": None,
                "ends_on": date(2018, 1, 14),
                "note": (
                    "First chat January 2009 (exact date unverified). Schedule and end: "
                    "https://healthsocmed.com/tag/about-hcsm/ Last chat: "
                    "https://33charts.com/hcsm/"
                ),
            },
        ],
        "hosts": [_host("danamlewis", "Dana Lewis", "founder", 2009, 2018)],
        "approved_at": _at(2024, 1, 10),
        "last_verified": RESEARCHED,
    },
    {
        # Sources: bcsm.org/bcsm-tweetchat ("Started on 7/4/2011 by Jody Schoger and Alicia
        # Staley", Mondays 9 pm Eastern for an hour); drattai.com (co-moderator from late
        # 2011); bcsmcommunity.org (handles); Schoger died 18 May 2016 (USA Today,
        # breastcancerconsortium.net); Medscape, October 2020 (still co-moderating).
        "tag": "BCSM",
        "name": "Breast Cancer Social Media",
        "kind": "disease",
        "description": (
            "Breast Cancer Social Media: the first tweet chat dedicated exclusively to breast "
            "cancer, started on 4 July 2011 by breast cancer survivors Jody Schoger and "
            "Alicia Staley. Dr. Deanna Attai, a breast surgeon, joined as co-moderator in "
            "late 2011. Jody Schoger died in May 2016. The weekly chat met on Mondays at "
            "9 PM Eastern for an hour; meetings after October 2020 are unverified."
        ),
        "source": "https://bcsm.org/bcsm-tweetchat/",
        "website": "https://bcsm.org/",
        "categories": ["breast-cancer", "oncology", "patient-advocacy"],
        "platforms": ["x"],
        "chats": [
            {
                "title": "Weekly chat",
                "weekdays": "MO",
                "start_time": time(21, 0),
                "timezone": "America/New_York",
                "duration_minutes": 60,
                "starts_on": date(2011, 7, 4),
                "note": (
                    "Schedule and first chat: https://bcsm.org/bcsm-tweetchat/ Last evidence "
                    "of the weekly chat: October 2020; whether it still meets is unverified."
                ),
            },
        ],
        "hosts": [
            _host("stales", "Alicia Staley", "founder", 2011),
            _host("jodyms", "Jody Schoger", "founder", 2011, 2016),
            _host("DrAttai", "Dr. Deanna Attai", "moderator", 2011),
        ],
        "approved_at": _at(2024, 1, 11),
    },
    {
        # Sources: aptitudehealth.com ("appeared more than a million times on the platform
        # X (formerly Twitter) in 2022, and is used on other platforms for professionals,
        # educators, and students"); a mapping study of #MedEd on Twitter, Instagram and
        # Facebook. No founder or owner is documented.
        "tag": "MedEd",
        "name": "Medical Education",
        "kind": "specialty",
        "description": (
            "The medical education hashtag. It appeared more than a million times on X "
            "(formerly Twitter) in 2022 and is used on other platforms by professionals, "
            "educators and students. No founder or owner is documented."
        ),
        "source": (
            "https://www.aptitudehealth.com/oncology-news/"
            "harnessing-the-potential-of-meded-for-medical-education-on-social-media/"
        ),
        "categories": ["medical-education"],
        "platforms": ["x", "instagram"],
        "approved_at": _at(2024, 1, 12),
        "last_verified": RESEARCHED,
    },
    {
        # Sources: healthcarenowradio.com ("Nick Adkins (@nickisnpdx)", HIMSS15);
        # capefearliving.com 2019 ("materialized in 2015"); buzzsprout episode (cofounder
        # Andrew Richards, "human connection"); facesofdigitalhealth (Pinksocks Life, a
        # nonprofit). Where the hashtag is used (platforms) is unverified.
        "tag": "pinksocks",
        "name": "#pinksocks",
        "kind": "community",
        "description": (
            "A gifting movement in healthcare that began in 2015, when Nick Adkins and "
            "cofounder Andrew Richards brought pink socks to HIMSS15 to give away as a sign "
            "of human connection. It later became the nonprofit Pinksocks Life."
        ),
        "source": "https://healthcarenowradio.com/following-the-pinksocks-tribe",
        "categories": ["communities"],
        "platforms": [],
        "hosts": [_host("nickisnpdx", "Nick Adkins", "founder", 2015)],
        "approved_at": _at(2024, 1, 13),
    },
    {
        # Sources: participatorymedicine.org e-patients white paper ("Doc Tom" Ferguson;
        # "e-Patient Dave, Chair Emeritus of SPM and one of its 12 co-founders");
        # e-patients.net via mikeonhealthcare 2009 (the definition; his death in 2006);
        # SPM "incorporated in 2009". Who first used the hashtag, and where, is unverified.
        "tag": "epatient",
        "name": "e-Patients",
        "kind": "community",
        "description": (
            "Patients who are equipped, enabled, empowered and engaged in their health and "
            "health care decisions: a term coined by Dr. Tom Ferguson (died 2006) and "
            "carried on by the Society for Participatory Medicine, incorporated in 2009, "
            "whose co-founders include 'e-Patient Dave'."
        ),
        "source": "https://participatorymedicine.org/e-patients-white-paper/contents/",
        "categories": ["participatory-medicine", "patient-advocacy"],
        "platforms": [],
        "approved_at": _at(2024, 1, 14),
    },
    {
        # Sources: healthitchicks.org 2018 ("got off the ground in 2013"); sueschade.com
        # 2017 ("Jennifer Dennard founded the #healthITchicks community", "over 550
        # people", "from tweetchats to meetups"); healthitchicks.org 2017 (annual meetup at
        # HIMSS17). Jennifer Dennard's handle is not in the sources, so she is not listed
        # as a host; any regular chat schedule is unverified.
        "tag": "HealthITChicks",
        "name": "Health IT Chicks",
        "kind": "community",
        "description": (
            "A community of women in health IT, founded in 2013 by Jennifer Dennard. By 2017 "
            "it had grown to over 550 people, with tweetchats and meetups, among them an "
            "annual meetup at the HIMSS conference."
        ),
        "source": (
            "https://healthitchicks.org/2018/10/08/"
            "ihearthit-and-the-quietly-fierce-women-who-drive-it/"
        ),
        "website": "https://healthitchicks.org/",
        "categories": ["women-in-health-it"],
        "platforms": ["x"],
        "approved_at": _at(2024, 1, 16),
    },
    {
        # Sources: pallimed.org 2017/03 (Renee Berry: "In July 2010, Christian and I ...
        # decided to launch the #hpm chat as a weekly interdisciplinary discussion");
        # pallimed.org 2015/01 ("Wed 1/7/2015 - 9p ET"); pallimed.org 2016/12 (hiatus
        # "until Spring 2017" after 319 weekly chats; Sinclair and MacMartin lead
        # co-moderators). The hosts' handles are not in the sources, so none is listed.
        "tag": "hpm",
        "name": "Hospice and Palliative Medicine",
        "kind": "specialty",
        "description": (
            "Hospice and palliative medicine. Christian Sinclair and Renee Berry launched "
            "the #hpm chat in July 2010 as a weekly interdisciplinary discussion; from 2014 "
            "to 2016 it met on Wednesdays at 9 PM Eastern. After 319 weekly chats, with "
            "Christian Sinclair and Meredith MacMartin as lead co-moderators, it went on "
            "hiatus in December 2016 until spring 2017. Later meetings are unverified."
        ),
        "source": "https://www.pallimed.org/2017/03/looking-forward-to-hpm-chats-in-2017.html",
        "categories": ["palliative-care"],
        "platforms": ["x"],
        "chats": [
            {
                "title": "Weekly chat",
                "weekdays": "WE",
                "start_time": time(21, 0),
                "timezone": "America/New_York",
                "duration_minutes": 60,
                "starts_on": None,
                "note": (
                    "Wed 9 PM ET as listed 2014-2016 (Pallimed); 8 PM ET in 2010. First chat "
                    "July 2010 (day unverified). Hiatus Dec 2016 to spring 2017 (exact dates "
                    "unverified). Length, and any meeting since 2017, unverified."
                ),
            },
        ],
        "approved_at": _at(2024, 1, 18),
    },
    {
        # Sources: himssconference.org registration policies (Orange County Convention
        # Center, registration 18-23 February); medcitynews.com 2017/02 (Orlando,
        # preconference on Sunday, programming through Thursday, more than 42,000
        # registered); moxehealth ("the 2017 Annual HIMSS Conference"). The dates 19-23
        # February are inferred from these together, so the entry is not verified.
        "tag": "HIMSS17",
        "name": "2017 Annual HIMSS Conference",
        "kind": "conference",
        "description": (
            "The 2017 annual HIMSS conference at the Orange County Convention Center in "
            "Orlando, Florida: from the preconference on Sunday 19 February to Thursday 23 "
            "February 2017. More than 42,000 people registered."
        ),
        "source": "http://www.himssconference.org/registration/policies",
        "categories": ["health-it-conferences"],
        "platforms": [],
        "start_date": date(2017, 2, 19),
        "end_date": date(2017, 2, 23),
        "place": "Orlando, Florida, USA",
        "status": "retired",
        "status_reason": "The conference took place in February 2017.",
        "approved_at": _at(2024, 1, 19),
    },
    {
        # Sources: lcsmchat.com/about-lcsm ("The first #LCSM tweetchat on Thursday, July
        # 25, 2013, drew 72 active participants"); lcsmchat.com 2015 birthday post (hashtag
        # first used by @subatomicdoc on June 22, 2013; Deana Hendrickson co-founder);
        # grayconnections.net 2014 (@LungCancerFaces); lcsmchat.com (Janet Freeman-Daily,
        # founding member, @JFreemanDaily); 8 PM Eastern, one hour (lcsmchat.com 2013);
        # last chat 2 December 2021 (optimismandme.wordpress.com). The sources do not state
        # the chat's frequency; the dates found are Thursdays, so it is one weekly record.
        "tag": "LCSM",
        "name": "Lung Cancer Social Media",
        "kind": "disease",
        "description": (
            "Lung Cancer Social Media. Matt Katz, MD first used #LCSM on 22 June 2013, and "
            "the first #LCSM Chat, on Thursday 25 July 2013, drew 72 active participants. "
            "Deana Hendrickson was a co-founder and Janet Freeman-Daily a founding member. "
            "The chat met on Thursdays at 8 PM Eastern for an hour; the last chat was on "
            "2 December 2021. How often it met is unverified."
        ),
        "source": "https://lcsmchat.com/about-lcsm/",
        "categories": ["lung-cancer", "oncology"],
        "platforms": ["x"],
        "chats": [
            {
                "title": "Chat",
                "weekdays": "TH",
                "start_time": time(20, 0),
                "timezone": "America/New_York",
                "duration_minutes": 60,
                "starts_on": date(2013, 7, 25),
                "ends_on": date(2021, 12, 2),
                "note": (
                    "First chat: https://lcsmchat.com/about-lcsm/ Last chat: "
                    "https://optimismandme.wordpress.com/2021/12/02/this-is-the-last-time/ "
                    "Frequency unverified (chats found two weeks apart in 2013 and 2016, on "
                    "first Thursdays in 2020)."
                ),
            },
        ],
        "hosts": [
            _host("subatomicdoc", "Matt Katz, MD", "founder", 2013),
            _host("LungCancerFaces", "Deana Hendrickson", "founder", 2013),
            _host("JFreemanDaily", "Janet Freeman-Daily", "founder", 2013),
        ],
        "approved_at": _at(2024, 1, 20),
    },
]

DEMO_SUBMITTER = ("Demo Submitter", "demo-submitter@example.org")

# Submissions waiting in the curators' queue; `note` is the submitter's note to curators.
PENDING = [
    {
        # Sources: diabetessocmed.com/about/what-is-dsma ("On July 21, 2010, Diabetes
        # Social Media Advocacy held its first chat on Twitter"); Healthline (Cherise
        # Shockley, founder; "every Wednesday, 9 PM EST"); happy-medium.net 2014 and 2016
        # (DCAF a nonprofit in 2012; "Wednesday nights from 9:00-10:00 (EST)");
        # thelifeofadiabetic.com, about 2018. Her handle is not in the sources.
        "tag": "DSMA",
        "name": "Diabetes Social Media Advocacy",
        "kind": "disease",
        "description": (
            "Diabetes Social Media Advocacy, founded by Cherise Shockley. Its first Twitter "
            "chat was on 21 July 2010, and it met weekly on Wednesdays at 9 PM Eastern "
            "(documented until about 2018). The Diabetes Community Advocacy Foundation "
            "behind it became a nonprofit in 2012."
        ),
        "source": "http://diabetessocmed.com/about/what-is-dsma/",
        "categories": ["diabetes", "patient-advocacy"],
        "platforms": ["x"],
        "chats": [
            {
                "title": "Weekly chat",
                "weekdays": "WE",
                "start_time": time(21, 0),
                "timezone": "America/New_York",
                "duration_minutes": 60,
                "starts_on": date(2010, 7, 21),
                "note": (
                    "First chat: http://diabetessocmed.com/about/what-is-dsma/ Schedule as "
                    "documented 2011-2018; whether it still meets is unverified."
                ),
            },
        ],
        "note": (
            "Healthline gives 23 July 2010 as the launch date; the official page says the "
            "first chat was on 21 July 2010. Current schedule unverified."
        ),
    },
    {
        # Sources: medicalpills.blogspot.com 2011 ("Any twitter user can connect and raise
        # awareness using the hashtag #raredisease"); musculardystrophynews.com 2020
        # (Rare Disease Day began in 2008, coordinated by EURORDIS). Origin unverified.
        "tag": "RareDisease",
        "name": "Rare Disease",
        "kind": "disease",
        "description": (
            "People living with rare diseases, their families, researchers and advocates. "
            "The hashtag is used on Twitter to raise awareness around Rare Disease Day, "
            "which began in 2008 and is coordinated by EURORDIS."
        ),
        "source": "http://medicalpills.blogspot.com/2011/02/rare-disease-day-raising-awareness.html",
        "categories": ["rare-diseases", "patient-advocacy"],
        "platforms": ["x"],
        "note": "Who started the hashtag, and when, is unverified.",
    },
]
