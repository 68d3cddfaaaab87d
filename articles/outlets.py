"""News outlets that articles credit, by every name they go by: pure data, no Django.

A rewrite names its original in its own language and script («نقلا عن أكسيوس», "according
to Axios", «أ ف ب», "AFP"), so each outlet lists its English and Arabic names and the other
forms writers use (abbreviations, older names, with or without the article). ``domains`` tie
a feed to its outlet: a source polled from axios.com is Axios whatever the editor named it.

``NOT_OUTLETS`` are names that contain an outlet's name but are not the newsroom reporting:
the company behind it (Thomson Reuters reports earnings), its research arm (the Reuters
Institute publishes studies). Resolution tries the longest name first, so these win over the
outlet they contain and resolve to nothing.

Read by ``articles.attribution``; matched after ``articles.text.normalize`` (case, Arabic
letter variants and diacritics folded), so forms are written as a reader would write them,
and one spelling is enough for what folding makes equal (hamza forms, an inner hyphen, a
leading "the").
"""

# Arabic names are this module's subject.
# ruff: noqa: RUF001
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outlet:
    key: str
    en: str
    ar: str
    forms: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()

    def name(self, lang: str | None) -> str:
        return self.ar if lang == "ar" else self.en


OUTLETS: tuple[Outlet, ...] = (
    # News agencies.
    Outlet("reuters", "Reuters", "رويترز", ("Reuters news agency",), ("reuters.com",)),
    Outlet(
        "ap",
        "AP",
        "أسوشيتد برس",
        (
            "Associated Press",
            "الأسوشيتد برس",
            "أسوشيتدبرس",
            "أسوشييتد برس",
            "أسوشيتيد برس",
            "أ ب",
            "أب",
        ),
        ("apnews.com",),
    ),
    Outlet(
        "afp",
        "AFP",
        "فرانس برس",
        (
            "Agence France-Presse",
            "France Presse",
            "وكالة الصحافة الفرنسية",
            "الصحافة الفرنسية",
            "الأنباء الفرنسية",
            "فرانس پرس",
            "أ ف ب",
            "أف ب",
        ),
        ("afp.com",),
    ),
    Outlet(
        "bloomberg",
        "Bloomberg",
        "بلومبرغ",
        ("Bloomberg News", "بلومبيرغ", "بلومبرج", "بلومبيرج"),
        ("bloomberg.com",),
    ),
    Outlet("dpa", "dpa", "الأنباء الألمانية", ("Deutsche Presse-Agentur", "د ب أ", "د.ب.أ"), ("dpa.com",)),
    Outlet("efe", "EFE", "إفي", ("إيفي",), ("efe.com",)),
    Outlet("ansa", "ANSA", "أنسا", (), ("ansa.it",)),
    Outlet("anadolu", "Anadolu", "الأناضول", ("Anadolu Agency", "Anadolu Ajansı"), ("aa.com.tr",)),
    Outlet("xinhua", "Xinhua", "شينخوا", ("Xinhua News Agency", "شينهوا"), ("xinhuanet.com", "news.cn")),
    Outlet("tass", "TASS", "تاس", ("ITAR-TASS",), ("tass.com", "tass.ru")),
    Outlet("ria", "RIA Novosti", "ريا نوفوستي", ("RIA", "نوفوستي"), ("ria.ru",)),
    Outlet("interfax", "Interfax", "إنترفاكس", (), ("interfax.ru", "interfax.com")),
    Outlet("sputnik", "Sputnik", "سبوتنيك", (), ("sputniknews.com", "sputniknews.cn", "sarabic.ae")),
    Outlet("kyodo", "Kyodo", "كيودو", ("Kyodo News",), ("kyodonews.net",)),
    Outlet("yonhap", "Yonhap", "يونهاب", ("Yonhap News Agency",), ("yna.co.kr",)),
    Outlet(
        "irna",
        "IRNA",
        "إرنا",
        ("Islamic Republic News Agency", "وكالة الأنباء الإيرانية", "الأنباء الإيرانية"),
        ("irna.ir",),
    ),
    Outlet("tasnim", "Tasnim", "تسنيم", ("Tasnim News Agency",), ("tasnimnews.com",)),
    Outlet("fars", "Fars", "فارس", ("Fars News Agency",), ("farsnews.ir",)),
    Outlet("mehr", "Mehr", "مهر", ("Mehr News Agency",), ("mehrnews.com",)),
    Outlet("isna", "ISNA", "إيسنا", (), ("isna.ir",)),
    Outlet(
        "sana", "SANA", "سانا", ("Syrian Arab News Agency", "الوكالة العربية السورية للأنباء"), ("sana.sy",)
    ),
    Outlet("wam", "WAM", "وام", ("Emirates News Agency", "وكالة أنباء الإمارات"), ("wam.ae",)),
    Outlet("spa", "SPA", "واس", ("Saudi Press Agency", "وكالة الأنباء السعودية"), ("spa.gov.sa",)),
    Outlet("qna", "QNA", "قنا", ("Qatar News Agency", "وكالة الأنباء القطرية"), ("qna.org.qa",)),
    Outlet("kuna", "KUNA", "كونا", ("Kuwait News Agency", "وكالة الأنباء الكويتية"), ("kuna.net.kw",)),
    Outlet("bna", "BNA", "بنا", ("Bahrain News Agency", "وكالة أنباء البحرين"), ("bna.bh",)),
    Outlet(
        "mena", "MENA", "أ ش أ", ("Middle East News Agency", "وكالة أنباء الشرق الأوسط"), ("mena.org.eg",)
    ),
    Outlet("petra", "Petra", "بترا", ("Jordan News Agency", "وكالة الأنباء الأردنية"), ("petra.gov.jo",)),
    Outlet("aps", "APS", "واج", ("Algeria Press Service", "وكالة الأنباء الجزائرية"), ("aps.dz",)),
    Outlet(
        "map",
        "MAP",
        "ومع",
        ("Maghreb Arab Press", "وكالة المغرب العربي للأنباء"),
        ("mapexpress.ma", "mapnews.ma"),
    ),
    Outlet("tap", "TAP", "وات", ("Tunis Afrique Presse", "وكالة تونس أفريقيا للأنباء"), ("tap.info.tn",)),
    Outlet("ina", "INA", "واع", ("Iraqi News Agency", "وكالة الأنباء العراقية"), ("ina.iq",)),
    Outlet("wafa", "WAFA", "وفا", ("وكالة الأنباء الفلسطينية",), ("wafa.ps",)),
    Outlet("nna", "NNA", "الوكالة الوطنية للإعلام", ("National News Agency",), ("nna-leb.gov.lb",)),
    Outlet("suna", "SUNA", "سونا", ("Sudan News Agency", "وكالة السودان للأنباء"), ("suna-sd.net",)),
    Outlet("saba", "Saba", "سبأ", ("وكالة سبأ",), ("saba.ye",)),
    Outlet("ona", "ONA", "العمانية", ("Oman News Agency", "وكالة الأنباء العمانية"), ("omannews.gov.om",)),
    # American outlets.
    Outlet("axios", "Axios", "أكسيوس", ("أكسوس",), ("axios.com",)),
    Outlet("nyt", "The New York Times", "نيويورك تايمز", ("NYT",), ("nytimes.com",)),
    Outlet("wapo", "The Washington Post", "واشنطن بوست", (), ("washingtonpost.com",)),
    Outlet(
        "wsj",
        "The Wall Street Journal",
        "وول ستريت جورنال",
        ("WSJ", "وول ستريت جورنل"),
        ("wsj.com",),
    ),
    Outlet(
        "cnn",
        "CNN",
        "سي إن إن",
        ("سي.إن.إن", "CNN International", "CNN Arabic", "CNN بالعربية"),
        ("cnn.com",),
    ),
    Outlet("nbc", "NBC News", "إن بي سي نيوز", ("NBC", "ان بي سي"), ("nbcnews.com",)),
    Outlet("cbs", "CBS News", "سي بي إس نيوز", ("CBS", "سي بي إس"), ("cbsnews.com",)),
    Outlet("abc_us", "ABC News", "إيه بي سي نيوز", ("ABC", "ايه بي سي"), ("abcnews.go.com",)),
    Outlet("fox", "Fox News", "فوكس نيوز", (), ("foxnews.com",)),
    Outlet("politico", "Politico", "بوليتيكو", (), ("politico.com", "politico.eu")),
    Outlet("the_hill", "The Hill", "ذا هيل", (), ("thehill.com",)),
    Outlet("npr", "NPR", "الإذاعة الوطنية العامة", (), ("npr.org",)),
    Outlet("cnbc", "CNBC", "سي إن بي سي", (), ("cnbc.com",)),
    Outlet("newsweek", "Newsweek", "نيوزويك", (), ("newsweek.com",)),
    Outlet("time", "Time", "تايم", ("Time magazine",), ("time.com",)),
    Outlet("atlantic", "The Atlantic", "ذا أتلانتيك", (), ("theatlantic.com",)),
    Outlet("new_yorker", "The New Yorker", "نيويوركر", (), ("newyorker.com",)),
    Outlet("semafor", "Semafor", "سيمافور", (), ("semafor.com",)),
    Outlet("the_information", "The Information", "ذا إنفورميشن", (), ("theinformation.com",)),
    Outlet("punchbowl", "Punchbowl News", "بانشبول نيوز", (), ("punchbowl.news",)),
    Outlet("usa_today", "USA Today", "يو إس إيه توداي", (), ("usatoday.com",)),
    Outlet("la_times", "Los Angeles Times", "لوس أنجلوس تايمز", ("LA Times",), ("latimes.com",)),
    Outlet("al_monitor", "Al-Monitor", "المونيتور", (), ("al-monitor.com",)),
    Outlet(
        "csm",
        "The Christian Science Monitor",
        "كريستيان ساينس مونيتور",
        (),
        ("csmonitor.com",),
    ),
    Outlet("business_insider", "Business Insider", "بيزنس إنسايدر", (), ("businessinsider.com",)),
    Outlet(
        "ft", "Financial Times", "فايننشال تايمز", ("FT", "فاينانشال تايمز", "فايننشيال تايمز"), ("ft.com",)
    ),
    # British and European outlets.
    Outlet(
        "bbc",
        "BBC",
        "بي بي سي",
        ("BBC News", "بي.بي.سي", "BBC Arabic", "BBC Persian", "بي بي سي عربي", "هيئة الإذاعة البريطانية"),
        ("bbc.com", "bbc.co.uk"),
    ),
    Outlet("guardian", "The Guardian", "الغارديان", ("الجارديان", "غارديان"), ("theguardian.com",)),
    Outlet(
        "telegraph",
        "The Telegraph",
        "التلغراف",
        ("Daily Telegraph", "تلغراف", "ديلي تلغراف"),
        ("telegraph.co.uk",),
    ),
    Outlet("independent", "The Independent", "الإندبندنت", ("إندبندنت",), ("independent.co.uk",)),
    Outlet(
        "independent_ar",
        "Independent Arabia",
        "إندبندنت عربية",
        (),
        ("independentarabia.com",),
    ),
    Outlet(
        "times_uk",
        "The Times",
        "التايمز",
        ("Times of London",),
        ("thetimes.co.uk", "thetimes.com"),
    ),
    Outlet("daily_mail", "Daily Mail", "ديلي ميل", (), ("dailymail.co.uk",)),
    Outlet(
        "economist",
        "The Economist",
        "إيكونوميست",
        ("الإيكونوميست", "ذي إيكونوميست"),
        ("economist.com",),
    ),
    Outlet("sky_news", "Sky News", "سكاي نيوز", (), ("news.sky.com",)),
    Outlet("sky_news_arabia", "Sky News Arabia", "سكاي نيوز عربية", (), ("skynewsarabia.com",)),
    Outlet("le_monde", "Le Monde", "لوموند", ("لو موند",), ("lemonde.fr",)),
    Outlet("le_figaro", "Le Figaro", "لوفيغارو", ("لو فيغارو", "لوفيجارو"), ("lefigaro.fr",)),
    Outlet("france24", "France 24", "فرانس 24", ("France24",), ("france24.com",)),
    Outlet(
        "rfi",
        "RFI",
        "مونت كارلو الدولية",
        ("Radio France Internationale", "Monte Carlo Doualiya"),
        ("rfi.fr", "mc-doualiya.com"),
    ),
    Outlet("dw", "DW", "دويتشه فيله", ("Deutsche Welle", "دويتشه فيلله", "دي دبليو"), ("dw.com",)),
    Outlet("spiegel", "Der Spiegel", "دير شبيغل", ("Spiegel", "شبيغل"), ("spiegel.de",)),
    Outlet("bild", "Bild", "بيلد", (), ("bild.de",)),
    Outlet("el_pais", "El País", "الباييس", ("El Pais",), ("elpais.com",)),
    Outlet("euronews", "Euronews", "يورونيوز", (), ("euronews.com",)),
    Outlet("rt", "RT", "روسيا اليوم", ("Russia Today", "RT Arabic", "آر تي"), ("rt.com",)),
    # Israeli outlets.
    Outlet("haaretz", "Haaretz", "هآرتس", ("هاآرتس",), ("haaretz.com", "haaretz.co.il")),
    Outlet(
        "times_of_israel",
        "The Times of Israel",
        "تايمز أوف إسرائيل",
        (),
        ("timesofisrael.com",),
    ),
    Outlet("jpost", "The Jerusalem Post", "جيروزاليم بوست", (), ("jpost.com",)),
    Outlet(
        "yedioth",
        "Yedioth Ahronoth",
        "يديعوت أحرونوت",
        ("Ynet", "واي نت", "Yediot Ahronot", "يديعوت"),
        ("ynetnews.com", "ynet.co.il"),
    ),
    Outlet("maariv", "Maariv", "معاريف", (), ("maariv.co.il",)),
    Outlet(
        "israel_hayom",
        "Israel Hayom",
        "يسرائيل هيوم",
        ("إسرائيل اليوم",),
        ("israelhayom.com", "israelhayom.co.il"),
    ),
    Outlet(
        "kan",
        "Kan",
        "هيئة البث الإسرائيلية",
        ("Kan News", "هيئة البث", "هيئة البث العامة", "قناة كان", "كان 11"),
        ("kan.org.il",),
    ),
    Outlet(
        "channel12",
        "Channel 12",
        "القناة 12 الإسرائيلية",
        ("القناة 12", "القناة الـ12", "قناة 12", "القناة الثانية عشرة", "N12"),
        ("mako.co.il",),
    ),
    Outlet(
        "channel13",
        "Channel 13",
        "القناة 13 الإسرائيلية",
        ("القناة 13", "القناة الـ13", "قناة 13"),
        ("13tv.co.il",),
    ),
    Outlet("i24", "i24NEWS", "آي 24", ("i24", "i24 News", "آي 24 نيوز"), ("i24news.tv",)),
    Outlet("army_radio", "Army Radio", "إذاعة الجيش الإسرائيلي", ("Galei Tzahal",), ("glz.co.il",)),
    Outlet("walla", "Walla", "واللا", ("والا",), ("walla.co.il",)),
    # Arabic-language outlets.
    Outlet(
        "aljazeera",
        "Al Jazeera",
        "الجزيرة",
        ("الجزيرة نت", "الجزيرة مباشر", "Aljazeera"),
        ("aljazeera.net", "aljazeera.com"),
    ),
    Outlet("alarabiya", "Al Arabiya", "العربية", ("العربية نت",), ("alarabiya.net",)),
    Outlet("alhadath", "Al Hadath", "الحدث", (), ("alhadath.net",)),
    Outlet("asharq_al_awsat", "Asharq Al-Awsat", "الشرق الأوسط", ("Asharq Alawsat",), ("aawsat.com",)),
    Outlet("al_quds_al_arabi", "Al-Quds Al-Arabi", "القدس العربي", (), ("alquds.co.uk",)),
    Outlet(
        "alaraby", "Al-Araby Al-Jadeed", "العربي الجديد", ("The New Arab",), ("alaraby.co.uk", "newarab.com")
    ),
    Outlet("mee", "Middle East Eye", "ميدل إيست آي", (), ("middleeasteye.net",)),
    Outlet("al_akhbar", "Al-Akhbar", "الأخبار اللبنانية", (), ("al-akhbar.com",)),
    Outlet("annahar", "An-Nahar", "النهار", ("Annahar",), ("annahar.com",)),
    Outlet("lorient", "L'Orient-Le Jour", "لوريان لوجور", ("L'Orient Today",), ("lorientlejour.com",)),
    Outlet("almayadeen", "Al Mayadeen", "الميادين", (), ("almayadeen.net",)),
    Outlet("almanar", "Al-Manar", "المنار", (), ("almanar.com.lb",)),
    Outlet("lbci", "LBCI", "إل بي سي آي", (), ("lbcgroup.tv",)),
    Outlet("mtv_lebanon", "MTV Lebanon", "إم تي في", (), ("mtv.com.lb",)),
    Outlet("alahram", "Al-Ahram", "الأهرام", ("Ahram Online",), ("ahram.org.eg",)),
    Outlet(
        "almasry_alyoum", "Al-Masry Al-Youm", "المصري اليوم", ("Egypt Independent",), ("almasryalyoum.com",)
    ),
    Outlet("youm7", "Youm7", "اليوم السابع", (), ("youm7.com",)),
    Outlet("mada_masr", "Mada Masr", "مدى مصر", (), ("madamasr.com",)),
    Outlet("alquds", "Al-Quds", "القدس", (), ("alquds.com",)),
    Outlet("enab_baladi", "Enab Baladi", "عنب بلدي", (), ("enabbaladi.net",)),
    Outlet("rudaw", "Rudaw", "روداو", (), ("rudaw.net",)),
    Outlet("shafaq", "Shafaq News", "شفق نيوز", (), ("shafaq.com",)),
    Outlet("alsumaria", "Alsumaria", "السومرية", ("Al Sumaria",), ("alsumaria.tv",)),
    Outlet("okaz", "Okaz", "عكاظ", (), ("okaz.com.sa",)),
    Outlet("al_watan", "Al-Watan", "الوطن", (), ()),
    Outlet("erem", "Erem News", "إرم نيوز", (), ("eremnews.com",)),
    Outlet("elaph", "Elaph", "إيلاف", (), ("elaph.com",)),
    Outlet("hespress", "Hespress", "هسبريس", (), ("hespress.com",)),
    Outlet("al_sharq", "Al Sharq", "الشرق", (), ("al-sharq.com",)),
    Outlet(
        "asharq_news", "Asharq News", "الشرق للأخبار", ("Asharq Bloomberg", "الشرق بلومبرغ"), ("asharq.com",)
    ),
    Outlet("the_national", "The National", "ذا ناشيونال", (), ("thenationalnews.com",)),
    Outlet("gulf_news", "Gulf News", "غلف نيوز", (), ("gulfnews.com",)),
    Outlet("khaleej_times", "Khaleej Times", "خليج تايمز", (), ("khaleejtimes.com",)),
    Outlet("arab_news", "Arab News", "عرب نيوز", (), ("arabnews.com",)),
    Outlet("al_khaleej", "Al Khaleej", "الخليج", (), ("alkhaleej.ae",)),
    Outlet("al_ghad", "Al-Ghad", "الغد", (), ("alghad.com",)),
    Outlet("ammon", "Ammon News", "عمون", ("Ammon",), ("ammonnews.net",)),
    Outlet("alsharq_alawsat_tv", "Al Araby TV", "التلفزيون العربي", ("Alaraby TV",), ("alaraby.com",)),
    Outlet(
        "trt", "TRT", "تي آر تي", ("TRT World", "TRT عربي"), ("trt.net.tr", "trtworld.com", "trtarabi.com")
    ),
    Outlet("press_tv", "Press TV", "برس تي في", (), ("presstv.ir",)),
    Outlet("al_alam", "Al-Alam", "العالم", (), ("alalam.ir",)),
)

# Longer names that contain an outlet's name but are not its newsroom reporting.
NOT_OUTLETS: tuple[str, ...] = (
    "Thomson Reuters",
    "Reuters Institute",
    "معهد رويترز",
    "Reuters Foundation",
    "Thomson Reuters Foundation",
    "New York Times Company",
    "New York Times Co",
    "Washington Post Company",
    "Bloomberg Philanthropies",
    "Bloomberg Billionaires Index",
    "Al Jazeera Media Network",
    "شبكة الجزيرة الإعلامية",
    "BBC Trust",
    "Associated Press Stylebook",
    "Fox Corporation",
    "Time Warner",
    "Time Inc",
    "Saba Saba",
)

# Forms that are also ordinary Arabic words ("the east", "tomorrow", "the world", a man's name,
# a city): they name an outlet only where the text says it is one (a type noun before it, «صحيفة
# الغد», a credit line, a dateline, quotation marks). English forms that are ordinary words
# ("Time", "the Independent") are told apart by their capital letters instead.
CONTEXT_ONLY: tuple[str, ...] = (
    "العربية",
    "الحدث",
    "الشرق",
    "الشرق الأوسط",
    "الوطن",
    "الخليج",
    "الغد",
    "النهار",
    "العالم",
    "القدس",
    "المنار",
    "الأهرام",
    "الأناضول",
    "العمانية",
    "فارس",
    "مهر",
    "تاس",
    "تايم",
    "قنا",
    "بنا",
    "ومع",
    "واج",
    "واع",
    "وات",
    "وام",
    "وفا",
    "سبأ",
    "بترا",
    "أب",
    "أ ب",
    "عمون",
    "The Times",
    "عكاظ",
)

BY_KEY: dict[str, Outlet] = {outlet.key: outlet for outlet in OUTLETS}
