"""The question set of ``bench/retrieval.py``: questions over the public documents in
``tests/data`` and ``examples/data`` (licences in their READMEs), each with a short
answer string a retrieved chunk must contain, and the 1-based pages it is on.

Kinds: ``body`` (a fact in running text), ``table`` (a cell named by its row and
column), ``heading`` (the question names the section, the passage does not),
``across_pages`` (a sentence that runs over a page break, or a row of a table whose
header is on another page), ``chinese``, ``spreadsheet`` (cells of sheets and Office
tables with merged cells), ``scan`` (text only OCR can read). The Arabic questions on
``mednine.pdf`` (tables read from the right) are asked in Arabic and checked against
the rendered page.
"""

from __future__ import annotations

from typing import NamedTuple


class Question(NamedTuple):
    kind: str
    doc: str
    question: str
    answer: str
    pages: tuple[int, ...]


DPR = "multi-column.pdf"
OTSL = "2305.03393v1-pg9.pdf"
IBM = "redp5110_sampled.pdf"
NCES = "us-017.pdf"
GIFTS = "schools.pdf"
LICENCES = "m27.pdf"
CN = "issue-336-example.pdf"
WORD = "word_sample.docx"
SHEETS = "test-01.xlsx"
SLIDES = "powerpoint_sample.pptx"
MERGED = "word_tables.docx"
SCAN = "c02-22.pdf"
ARABIC = "mednine.pdf"

Q = Question
QUESTIONS: tuple[Question, ...] = (
    # --- body ---------------------------------------------------------------------------
    Q(
        "body",
        DPR,
        "Which Wikipedia dump date is used as the source documents?",
        "Dec. 20, 2018",
        (4,),
    ),
    Q(
        "body",
        DPR,
        "How many passages does splitting Wikipedia into 100-word blocks give?",
        "21,015,324",
        (4,),
    ),
    Q(
        "body",
        DPR,
        "How long does building the FAISS index on 21-million vectors take on one server?",
        "8.5 hours",
        (7,),
    ),
    Q(
        "body",
        DPR,
        "How long does building an inverted index with Lucene take in total?",
        "about 30 minutes",
        (7,),
    ),
    Q(
        "body",
        DPR,
        "On which server CPU was passage retrieval speed profiled?",
        "Xeon CPU E5-2698 v4",
        (7,),
    ),
    Q("body", DPR, "By how much does DPR beat BM25 in top-5 accuracy?", "65.2% vs. 42.9%", (2,)),
    Q(
        "body",
        DPR,
        "Which API was used to select the WebQuestions questions?",
        "Google Suggest API",
        (4,),
    ),
    Q(
        "body",
        DPR,
        "Where were the Natural Questions questions mined from?",
        "real Google search queries",
        (4,),
    ),
    Q(
        "body",
        DPR,
        "What token is added after the article title prepended to each passage?",
        "[SEP] token",
        (4,),
    ),
    Q(
        "body",
        OTSL,
        "On which CPU were the inference timing results obtained?",
        "AMD EPYC 7763",
        (1,),
    ),
    Q(
        "body",
        OTSL,
        "What speed-up in inference runtime does OTSL give over HTML?",
        "2x speed up",
        (1,),
    ),
    Q(
        "body",
        IBM,
        "How many data breaches has the Identity Theft Resource Center reported since 2005?",
        "almost 5000 data breaches",
        (5,),
    ),
    Q(
        "body",
        IBM,
        "Which IBM i release has the Row and Column Access Control feature?",
        "IBM i 7.2",
        (4,),
    ),
    Q(
        "body",
        IBM,
        "How long ago did Jim Bainbridge begin his career with IBM?",
        "30 years ago",
        (4,),
    ),
    Q(
        "body",
        IBM,
        "Which system value sets the default public authority of created objects?",
        "QCRTAUT",
        (6,),
    ),
    Q(
        "body",
        IBM,
        "What is Hernando Bedoya's role?",
        "Senior IT Specialist at STG Lab Services",
        (4,),
    ),
    # --- heading ------------------------------------------------------------------------
    Q("heading", WORD, "Swimming in the lake: what should you wear?", "Wear sunglasses", (1,)),
    Q("heading", WORD, "Let's eat: what do I like to eat?", "I like to eat leaves", (2,)),
    Q(
        "heading",
        IBM,
        "Current state of IBM i security: what do many clients rely on?",
        "default system settings",
        (6,),
    ),
    Q(
        "heading",
        DPR,
        "Run-time efficiency: how many questions per second per CPU thread does Lucene process?",
        "23.7 questions per second",
        (7,),
    ),
    Q(
        "heading",
        DPR,
        "Qualitative analysis: what are term-matching methods sensitive to?",
        "highly selective keywords and phrases",
        (7,),
    ),
    Q(
        "heading",
        DPR,
        "Wikipedia data pre-processing: whose pre-processing code was applied?",
        "DrQA",
        (4,),
    ),
    Q(
        "heading",
        SLIDES,
        "Second slide title: what holds the text?",
        "A rectangle shape with this text inside",
        (2,),
    ),
    Q(
        "heading",
        OTSL,
        "Quantitative results: how many samples does FinTabNet have?",
        "FinTabNet (113k samples)",
        (1,),
    ),
    Q(
        "heading",
        IBM,
        "Authors: which team produced this paper with the ITSO?",
        "IBM DB2 for i Center of Excellence team",
        (4,),
    ),
    Q(
        "heading",
        OTSL,
        "Hyper parameter optimization: which data set was chosen?",
        "PubTabNet data set to perform HPO",
        (1,),
    ),
    # --- table --------------------------------------------------------------------------
    Q(
        "table",
        NCES,
        "Private school enrollment in grades PK-12 in 2003, in thousands?",
        "6,099",
        (2,),
    ),
    Q("table", NCES, "Public kindergarten (K) enrollment in 2005, in thousands?", "3,619", (3,)),
    Q(
        "table",
        NCES,
        "Hispanic enrollment in public schools in 2020, by race/ethnicity?",
        "13,921",
        (5,),
    ),
    Q(
        "table",
        NCES,
        "Enrollment of students of two or more races in public schools in 2021?",
        "1,557",
        (5,),
    ),
    Q("table", NCES, "Black enrollment in grades 9-12 in public schools in 2004?", "2,408", (7,)),
    Q("table", GIFTS, "What is the occupation of Jaber Alsiddiqui?", "SPPS budget analyst", (1,)),
    Q("table", GIFTS, "Who is Amy E. Filice's employer?", "City of Saint Paul", (1,)),
    Q("table", DPR, "How many training questions does TriviaQA have?", "78,785", (4,)),
    Q("table", DPR, "How many test questions does CuratedTREC have?", "694", (4,)),
    Q(
        "table",
        IBM,
        "Which global variable holds the port used by the current client?",
        "CLIENT_PORT",
        (12,),
    ),
    Q(
        "table",
        IBM,
        "What does the special register SYSTEM_USER hold?",
        "The authorization ID that initiated the connection",
        (11,),
    ),
    Q("table", WORD, "How many calories per portion do berries have?", "150", (2,)),
    Q("table", LICENCES, "What is the ZIP code of FRESCOS MEXICAN GRILL?", "74820", (2,)),
    Q("table", LICENCES, "In which city is COFFEE CUP licensed?", "POTEAU", (2,)),
    # --- across pages -------------------------------------------------------------------
    Q(
        "across_pages",
        DPR,
        "With in-batch negatives, how many negative passages does each question get?",
        "B − 1 negative passages",
        (3, 4),
    ),
    Q(
        "across_pages",
        DPR,
        "What have strong sparse vector space models like TF-IDF or BM25 been used as?",
        "BM25 have been used as the standard method",
        (8, 9),
    ),
    Q(
        "across_pages",
        DPR,
        "Which 2013 paper did Berant et al. write on semantic parsing?",
        "Semantic parsing on Freebase from question-answer pairs",
        (9, 10),
    ),
    Q(
        "across_pages",
        GIFTS,
        "In which city do Richard and Lois Rockney live?",
        "Mendota Heights",
        (4,),
    ),
    Q(
        "across_pages",
        GIFTS,
        "What amount did the Plumbers Local Union No 34 give?",
        "150.00",
        (4,),
    ),
    Q("across_pages", GIFTS, "On what date did Soren & Tiffany Mattick give?", "10/6/2012", (4,)),
    Q(
        "across_pages",
        NCES,
        "Grade 9 public enrollment in 1996, in thousands (Table 2 continued)?",
        "3,801",
        (4,),
    ),
    # --- chinese ------------------------------------------------------------------------
    Q("chinese", CN, "停车区用地指标调整系数见哪个表？", "表 7.6 停车区用地指标调整系数", (1,)),
    Q(
        "chinese",
        CN,
        "服务设施出入口加减速车道用地指标，平原一般不宜超过多少？",
        "平原一般不宜超过 3.4 公顷",
        (1,),
    ),
    Q("chinese", CN, "路段监控通信分中心的用地指标是多少？", "1.7333", (1,)),
    Q("chinese", CN, "养护设施分为哪几类？", "养护工区、道班房和桥隧养护管理站", (1,)),
    Q("chinese", CN, "表中路段交通量应采用哪一年的预测交通量？", "预测第 20 年交通量", (1,)),
    Q("chinese", CN, "桥隧监控通信站的用地指标是多少？", "0.5333", (1,)),
    Q("chinese", CN, "第7.11条：道班房主要在哪些公路上设置？", "二、三、四级公路", (1,)),
    # --- spreadsheet --------------------------------------------------------------------
    Q("spreadsheet", SHEETS, "Sheet2: col-4 when col-1 is 8?", "| 8 | 16 | 24 | 32 |", (2,)),
    Q("spreadsheet", SHEETS, "Sheet1: second and third when first is 6?", "| 6 | 0 | -6 |", (1,)),
    Q("spreadsheet", SHEETS, "Sheet3: what is under second when first is 8?", "| 8 | 9 |", (3,)),
    Q(
        "spreadsheet",
        MERGED,
        "Which cell spans Cell 1.1 and 2.1 vertically?",
        "Merged Cell 1.1 2.1",
        (1,),
    ),
    Q(
        "spreadsheet",
        SLIDES,
        "Test table slide: which cell merges A with B under Class1?",
        "A merged with B",
        (1,),
    ),
    # --- scan ---------------------------------------------------------------------------
    Q("scan", SCAN, "What did he say when he heard the noise by the kitchen?", "Who dah", (1,)),
    Q(
        "scan",
        SCAN,
        "Whose garden did they tip-toe back towards along a path?",
        "widow's garden",  # as printed (an OCR at 150 DPI read "widows garden")
        (1,),
    ),
    Q("scan", SCAN, "After the ankle, what began to itch?", "my ear begun to itch", (1,)),
    # --- table, in Arabic: the 2014 election results of Medenine ------------------------
    Q(
        "table",
        ARABIC,
        "ما هي القائمة المترشحة في الترتيب 6 في دائرة مدنين؟",
        "قائمة حزب آفاق تونس",
        (1,),
    ),
    Q("table", ARABIC, "مجموع الأصوات المصرح بها لقائمة حزب التحالف الديمقراطي", "3 001", (1,)),
    Q(
        "table",
        ARABIC,
        "ورقة كشف نتائج دائرة مدنين: أي انتخابات؟",
        "الانتخابات التشريعية 2014",
        (1,),
    ),
)
