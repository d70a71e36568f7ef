"""Questions over ``../shared/corpus/test`` (the held-out half: measure on it, never change
a rule because of it; its MANIFEST.md names each file's source and licence). Same format
and the same way of reading the answers as ``bench/retrieval_qa_dev.py``: in the source
itself (text layer, Office file, or by eye on the picture), never in our output.
"""

from __future__ import annotations

from retrieval_qa import Question

WHO = "test-3820.pdf"
NYPD = "cs-en-us-pbms.pdf"
KREATE = "chrome-text-selection-markedContent.pdf"
ZHPAPER = "test_4182.pdf"
TRACE = "tracemonkey.pdf"
WELLS = "test_3725.pdf"
BROKER = "test_4699.pdf"
GEORGIA = "stress002.xlsx"
AGI = "aascu.org_workarea_downloadasset.aspx_id=5864.pptx"
CONTRACT = "bug65649.docx"
SIEGE = "Seige_of_Vicksburg_Sample_OCR.pdf"
TIMETABLE = "table1.png"
CAR = "chip.jpg"
PROMO = "ch_en_num.jpg"

Q = Question
# fmt: off
TEST: tuple[Question, ...] = (
    # --- A: long report, table over pages -----------------------------------------------
    Q("table", WHO, "Summary of recommendations: strength of the recommendation for younger children (3-5 years)?", "conditional recommendation; very low certainty of evidence", (20,)),
    Q("table", WHO, "Which DAA regimen is given for eight weeks?", "G/P for eight weeks", (20,)),
    Q("across_pages", WHO, "Decentralization: where should HCV testing and treatment be delivered?", "peripheral health or community-based facilities", (21,)),
    Q("across_pages", WHO, "HCV core antigen assay: which antigen does it detect?", "HCV core (p22) antigen", (22,)),
    Q("across_pages", WHO, "Assessment of treatment response: at how many weeks after treatment is cure documented?", "cure at 12 or 24 weeks", (22,)),
    Q("table", WHO, "Table 4.2 dosing by weight bands: sofosbuvir/velpatasvir dose above 30 kg?", "400/100 mg od", (45,)),
    Q("table", WHO, "Table 4.3 DAA generic supplier status in 2022: WHO pre-qualified suppliers of daclatasvir?", "Cipla, Hetero, Mylan, Laurus Labs", (56,)),
    Q("body", WHO, "SHARED trial: sustained virological response with sofosbuvir and ledipasvir overall?", "261 (87%)", (45,)),
    Q("heading", WHO, "Implementation considerations: with which programmes should HCV treatment for children be aligned?", "aligned and integrated as much as possible with programmes for adults", (56,)),
    # --- B: table without ruling lines --------------------------------------------------
    Q("table", NYPD, "CompStat Manhattan South: robbery complaints year to date 2017 and 2016?", "540 608 -11.2", (1,)),
    Q("table", NYPD, "Grand larceny complaints year to date 2017 and 2016?", "5,261 5,750", (1,)),
    Q("table", NYPD, "Petit larceny complaints year to date 2017?", "7,436", (1,)),
    Q("table", NYPD, "Historical perspective: robberies in 1990?", "14,866", (1,)),
    Q("table", NYPD, "Historical perspective: total crime complaints in 1990?", "89,541", (1,)),
    Q("body", NYPD, "Which week does the CompStat report cover?", "7/10/2017 Through 7/16/2017", (1,)),
    Q("body", NYPD, "Volume and number of the CompStat report?", "Volume 24 Number 28", (1,)),
    # --- C: multi-column prose beside a sidebar -----------------------------------------
    Q("body", KREATE, "Kreate target price and recommendation?", "EUR 8.00 target price", (1,)),
    Q("body", KREATE, "Kreate's revenue in Q4?", "around 75.5 MEUR", (1,)),
    Q("body", KREATE, "Kreate's order book at the end of Q4?", "177 MEUR", (1,)),
    Q("body", KREATE, "What dividend does the Board of Directors propose?", "dividend of EUR 0.50", (1,)),
    Q("table", KREATE, "Kreate EPS (adj.) 2024 to 2027e?", "0.43 0.63 0.80 0.84", (1,)),
    Q("heading", KREATE, "Guidance (new guidance): Kreate's revenue range in 2025?", "range of 290-310 MEUR", (1,)),
    Q("heading", KREATE, "A successful year overall: by how much did Kreate's Q4 revenue decrease?", "decreased by 5.9%", (1,)),
    # --- D: scientific papers -----------------------------------------------------------
    Q("chinese", ZHPAPER, "数字拟人品一文以谁为案例研究对象？", "虚拟偶像“洛天依”为案例研究对象", (1,)),
    Q("chinese", ZHPAPER, "国家社会科学基金一般项目的基金号是什么？", "22BGL095", (1,)),
    Q("chinese", ZHPAPER, "这篇论文的DOI是什么？", "10.19744/j.cnki.11-1235/f.20240321.001", (1,)),
    Q("chinese", ZHPAPER, "本文的通讯作者是谁？", "刘洋为本文通讯作者", (1,)),
    Q("chinese", ZHPAPER, "本文的收稿时间？", "2022-11-15", (1,)),
    Q("heading", ZHPAPER, "引言：十四五规划纲要提出了什么目标？", "文化强国和网络强国的目标", (1,)),
    Q("body", TRACE, "Trace-based JIT paper: which company are the authors marked with an asterisk from?", "Mozilla Corporation", (1,)),
    Q("heading", TRACE, "Evaluation: how many short-running programs does SunSpider consist of?", "26 short-running", (10,)),
    Q("body", TRACE, "On which machine were all experiments performed?", "MacBook Pro with 2.2 GHz Core 2 processor", (10,)),
    Q("figure", TRACE, "What does Figure 11 show?", "Fraction of dynamic bytecodes executed by", (10,)),
    Q("figure", TRACE, "What does Figure 9 show?", "Tagged values in the SpiderMonkey JS interpreter", (8,)),
    Q("figure", TRACE, "What does Figure 12 show?", "Fraction of time spent on major VM activities", (13,)),
    Q("body", TRACE, "For crypto-md5, what share of bytecodes is executed while recording?", "fully 3% of bytecodes", (10,)),
    # --- E: financial statements --------------------------------------------------------
    Q("table", WELLS, "TDR modifications 2022: residential mortgage principal forgiveness, interest rate reduction, other concessions and total?", "Residential mortgage 1 369 1,357 1,727", (1,)),
    Q("table", WELLS, "TDR modifications 2021: total weighted average interest rate reduction?", "10.84%", (1,)),
    Q("table", WELLS, "TDR modifications 2020: total of all modifications?", "8,582", (1,)),
    Q("table", WELLS, "TDR modifications 2022: credit card weighted average interest rate reduction?", "20.33", (1,)),
    Q("body", WELLS, "Which loans remodified amounts are included for 2022, 2021 and 2020?", "$445 million, $737 million, and $1.5 billion", (1,)),
    Q("heading", WELLS, "Which table of the Wells Fargo report shows the TDR modifications?", "Table 5.14: TDR Modifications", (1,)),
    Q("body", WELLS, "Footnote 5: what are trial modifications granted?", "granted a delay in payments", (1,)),
    Q("chinese", BROKER, "资产负债表：负债合计各年是多少？", "负债合计 2,711 5,600 6,868", (1,)),
    Q("chinese", BROKER, "归属于母公司所有者权益合计？", "归属于母公司所有者权益合计 1,530 2,076 5,343", (1,)),
    Q("chinese", BROKER, "股东权益合计各年是多少？", "股东权益合计 1,530 2,566 5,834", (1,)),
    Q("chinese", BROKER, "表22是什么表？", "现金流量表（单位：百万元）", (1,)),
    Q("chinese", BROKER, "现金流量表：净利润各年是多少？", "净利润 345 585 806 948", (1,)),
    Q("chinese", BROKER, "资产负债表的资料来源？", "Wind、申万宏源研究", (1,)),
    # --- F: spreadsheet -----------------------------------------------------------------
    Q("spreadsheet", GEORGIA, "How many worksheet tabs does the Georgia child support calculator consist of?", "thirteen worksheet tabs", (1,)),
    Q("spreadsheet", GEORGIA, "Spanish instructions: how many tabs does the calculator have (trece)?", "consiste en trece pestañas", (2,)),
    Q("spreadsheet", GEORGIA, "Child support obligation table means the chart in which subsection?", "subsection (o) of O.C.G.A. § 19-6-15", (13,)),
    Q("spreadsheet", GEORGIA, "Which version is the calculator's footnotes page?", "Version 9.2", (12,)),
    Q("spreadsheet", GEORGIA, "Schedule D Supplemental Table 2: how is the monthly average of child care paid by mother computed?", "Divide Line 6 by 12 months", (9,)),
    Q("spreadsheet", GEORGIA, "Basic child support obligation for two children at a combined adjusted gross income of 10,300?", "1,795.00", (14,)),
    Q("spreadsheet", GEORGIA, "Basic child support obligation for two children at a combined adjusted gross income of 20,300?", "2,642.00", (14,)),
    # --- G: slides with charts and tables -----------------------------------------------
    Q("slide", AGI, "Where and when was the AASCU Annual Meeting of the American challenge talk?", "Annual Meeting in New Orleans, October 29, 2012", (1,)),
    Q("slide", AGI, "Who said it is a Sputnik moment?", "Bill Shore, GlaxoSmithKline", (2,)),
    Q("figure", AGI, "Employment of workers with a bachelor's degree or better grew at what rate?", "grew at a 2 percent to 3 percent rate", (8,)),
    Q("figure", AGI, "Enrollment chart 1995-2010: which series does it show?", "Total Enrollment (Millions)", (9,)),
    Q("slide", AGI, "By how much did fall 2010 enrollment exceed projected enrollment?", "exceeded projected enrollment by 12 percent", (9,)),
    Q("slide", AGI, "Over a single decade the U.S. fell from 2nd to what in college completion rates?", "fell from 2nd to 15th", (11,)),
    Q("figure", AGI, "Average scores around age 2: which skills are compared?", "Receptive vocabulary", (16,)),
    Q("slide", AGI, "The Seven C's: what does challenging students mean?", "Press for Effort, Perseverance and Rigor", (22,)),
    Q("table", AGI, "School One: ranked what out of 49 schools?", "Ranked 7th out of 49", (23,)),
    # --- H: Word contract, typed clause numbers -----------------------------------------
    Q("body", CONTRACT, "Номер государственного контракта?", "0172200006116000125_146076", (1,)),
    Q("heading", CONTRACT, "Цена контракта и порядок оплаты: цена контракта?", "39 921 700,00 руб.", (1,)),
    Q("heading", CONTRACT, "Сроки выполнения работ: окончание не позднее скольких дней?", "65 (Шестидесяти пяти) календарных дней", (1,)),
    Q("body", CONTRACT, "Как называется подрядчик?", "ООО «Стройвижн»", (1,)),
    Q("body", CONTRACT, "Адрес объекта социальной инфраструктуры?", "ул. Варфоломеевская, д. 15а", (1,)),
    Q("table", CONTRACT, "Сокращение АПТ: определение?", "Система автоматического пожаротушения", (20,)),
    Q("table", CONTRACT, "Цвет, когда раздел снят с охраны?", "| зеленый | раздел снят с охраны |", (60,)),
    Q("table", CONTRACT, "Цена за единицу пульта контроля С2000-М?", "5396,54", (50,)),
    # --- I: scans and photos ------------------------------------------------------------
    Q("figure", SIEGE, "Siege of Vicksburg: caption of the picture on the page of June 10th?", "The Yankee Lookout", (1,)),
    Q("scan", SIEGE, "A report says Johnston is coming with how many men?", "fifty thousand men", (1,)),
    Q("scan", SIEGE, "Where are the inhabitants of Vicksburg now living?", "living in caves dug out of the sides of the hills", (1,)),
    Q("across_pages", SIEGE, "The shell that dropped near my tent left a hole big enough for what?", "big enough to bury a horse", (1, 2)),
    Q("scan", SIEGE, "How much is drawn per month by the head of a family?", "thirteen dollars a month", (2,)),
    Q("figure", SIEGE, "Caption of the picture of a solid shot?", "Solid Shot strapped on a Sabot", (3,)),
    Q("scan", SIEGE, "Which regiment can accommodate a good housekeeper?", "20th Ohio", (5,)),
    Q("scan", TIMETABLE, "课表从哪天启用？", "9月1日启用", (1,)),
    Q("table", TIMETABLE, "星期五第4节是什么课，谁上？", "外教、刘燕", (1,)),
    Q("table", TIMETABLE, "星期三第5节音乐课的老师是谁？", "马丽丽", (1,)),
    Q("table", TIMETABLE, "星期二第7节是什么课？", "信息", (1,)),
    Q("table", TIMETABLE, "第2节几点开始？", "08:30", (1,)),
    # --- J: form ------------------------------------------------------------------------
    Q("form", CAR, "机动车销售统一发票：车辆类型？", "轿车", (1,)),
    Q("form", CAR, "发票上的厂牌型号？", "大众牌FV7140FAMBG", (1,)),
    Q("form", CAR, "车辆产地？", "成都市", (1,)),
    Q("form", CAR, "增值税税率或征收率？", "17%", (1,)),
    Q("form", CAR, "吨位是多少？", "1.61", (1,)),
    Q("form", CAR, "限乘人数？", "限乘人数 5", (1,)),
    # --- K: text in a picture -----------------------------------------------------------
    Q("slide", PROMO, "促销图的标题？", "正品促销", (1,)),
    Q("slide", PROMO, "大桶装怎么样？", "大桶装 更划算", (1,)),
    Q("slide", PROMO, "去污能力和标准？", "强力去污 符合国标", (1,)),
    Q("slide", PROMO, "零下40度会怎样？", "深度防冻不结冰", (1,)),
    Q("slide", PROMO, "券后价多少起？", "5.8", (1,)),
    Q("slide", PROMO, "惊喜福利？", "惊喜福利 不容错过", (1,)),
)
# fmt: on
