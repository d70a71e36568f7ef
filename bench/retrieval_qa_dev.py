"""Questions over ``../shared/corpus/dev`` (the tuning half of the held-out corpus; its
MANIFEST.md names each file's source and licence). Same format as
``bench/retrieval_qa.py``: a short answer that occurs on the stated 1-based pages (PDF
pages, slides, sheets; Word files have no page layer, their page is Word's estimate).

Each answer was read in the source itself, never in our output: in the text layer of a
PDF (pdfplumber, pypdf) or the file of an Office document (openpyxl with the cell's
number format, python-pptx, python-docx), by eye on the picture for scans and photos.
``bench/check_qa.py`` checks the text-layer ones again.

Kinds, beside those of the public set: ``figure`` (a caption or chart data), ``slide``
(text of a slide, also text inside its pictures), ``form`` (a field of an invoice or
form). A ``scan`` answer is read by eye.
"""

from __future__ import annotations

from retrieval_qa import Question

ARRESTS = "12s0324.pdf"
AWARDS = "Publication_of_award_of_Bids_for_Transport_Sector__August_2016.pdf"
GRADUATES = "us-018.pdf"
CFR = "double-column-A.jpg"
LABOR = "labor.pdf"
HYDRO = "demo1.pdf"
BONDS = "chinese-tables.pdf"
MELCO = "issue14297.pdf"
TAX = "AverageTaxRates.xlsx"
BOOK = "xlsx_01.xlsx"
HBCU = "aascu.org_hbcu_leadershipsummit_cooper_.pptx"
PCB = "bug59058.docx"
PENALTY = "issue-203-decimalize.pdf"
EGFR = "PMC3576793_00004.jpg"
INVOICE = "bigboundingbox.pdf"
PLEDGES = "tika-2605.pptx"

Q = Question
# fmt: off
DEV: tuple[Question, ...] = (
    # --- B: table without ruling lines --------------------------------------------------
    Q("table", ARRESTS, "Table 325 arrests by race 2009: Robbery arrests of Black persons?", "55,742", (1,)),
    Q("table", ARRESTS, "Table 325 arrests by race: total arrests of Asian Pacific Islander persons?", "123,656", (1,)),
    Q("table", ARRESTS, "Table 325: driving under the influence arrests of White persons in 2009?", "954,444", (1,)),
    Q("table", ARRESTS, "Table 324 arrests by sex and age: total drug abuse violations arrests (thousands)?", "1,333.0", (1,)),
    Q("body", ARRESTS, "Table 324 headnote: what total population did the reporting agencies cover?", "247,526,916", (1,)),
    Q("body", ARRESTS, "Table 325 headnote: how many agencies reported the arrests?", "12,371 agencies", (1,)),
    Q("body", ARRESTS, "Table 325 footnote 1: sex offenses except what?", "Except forcible rape and prostitution", (1,)),
    # --- A: long table over pages -------------------------------------------------------
    Q("table", AWARDS, "Contract amount for the procurement of Speed Radar Guns (20 No.)?", "52,350.00", (1,)),
    Q("table", AWARDS, "Which contractor supplied the 33 (4X4) pickups and 4 (4x2) pickups?", "Japan Motors Trading", (1,)),
    Q("table", AWARDS, "Contract amount of the technical and procurement audit of IDA and GOG funded projects for 2011-2013?", "793,072.50", (3,)),
    Q("table", AWARDS, "Which individual consultant did the mid-term review of project implementation?", "Dr. Paulina Agyekum", (3,)),
    Q("table", AWARDS, "Contract amount of the construction of classrooms and workshop for GTTC by Memphis Metropolitan?", "2,114,809.44", (5,)),
    Q("across_pages", AWARDS, "Contract amount of the Traffic Engineering Research Equipment and accessories for KNUST?", "38,192.83", (2, 3)),
    Q("across_pages", AWARDS, "Contract amount of the design and supervision of test grounds (Supervision Phase) by KE & T Consult?", "424,278.08", (4, 5)),
    Q("table", GRADUATES, "Table 14: public high school graduates in California in 2008-09?", "372,310", (1,)),
    Q("table", GRADUATES, "Table 14: public high school graduates in Texas in 2011-12?", "285,530", (1,)),
    Q("across_pages", GRADUATES, "Table 14 continued: projected public high school graduates in the United States in 2021-22?", "3,183,360", (2,)),
    Q("across_pages", GRADUATES, "Table 14 continued: projected graduates in Texas in 2021-22?", "338,920", (2,)),
    Q("body", GRADUATES, "When was Table 14 of high school graduates prepared?", "prepared January 2012", (2,)),
    Q("table", GRADUATES, "Table 18: current expenditures per pupil in fall enrollment 1996-97 in constant 2010-11 dollars?", "$8,242", (6,)),
    Q("table", GRADUATES, "Table 19: average daily attendance (in thousands) in 1996-97?", "42,262", (7,)),
    # --- C: multi-column prose ----------------------------------------------------------
    Q("scan", CFR, "Part 1 Coverage and definitions: under which authority?", "5 U.S.C. 3301, 3302", (1,)),
    Q("scan", CFR, "Part 1 Civil Service Rules: source and date of publication?", "28 FR 10022, Sept. 14, 1963", (1,)),
    Q("heading", CFR, "Extent of the competitive service: which office is referred to as OPM?", "Personnel Management", (1,)),
    Q("heading", CFR, "Definitions: what does competitive position mean?", "position in the competitive service", (1,)),
    Q("heading", CFR, "Title of subchapter A?", "CIVIL SERVICE RULES", (1,)),
    Q("heading", CFR, "Extent of the excepted service: specifically excepted from the requirements of which Act?", "Civil Service Act", (1,)),
    Q("body", LABOR, "BLS projection: how much will total employment rise between 2010 and 2020?", "20.5 million", (1,)),
    Q("body", LABOR, "Real output projected to increase from $23.2 trillion to how much?", "$30.9 trillion", (1,)),
    Q("body", LABOR, "Projected increase of nonagricultural self-employed and unpaid family workers?", "776,800", (1,)),
    Q("body", LABOR, "By how much is the number of agricultural workers expected to decline?", "130,200", (1,)),
    Q("body", LABOR, "Service-providing sectors share of nominal output in 2020?", "71.1 percent in 2020", (1,)),
    Q("heading", LABOR, "Who wrote Industry employment and output projections to 2020?", "Richard Henderson", (1,)),
    Q("body", LABOR, "E-mail address of the economist in the Division of Industry Employment Projections?", "henderson.richard@bls.gov", (1,)),
    # --- D: scientific paper ------------------------------------------------------------
    Q("body", HYDRO, "How many catchments from Australia, South Africa and New Zealand were used?", "10 catchments", (1,)),
    Q("body", HYDRO, "E-mail address of the corresponding author of the flow duration curves paper?", "patrickl@unimelb.edu.au", (1,)),
    Q("body", HYDRO, "Above what annual rainfall do forest and grassland ET diverge?", "400–500mm", (2,)),
    Q("figure", HYDRO, "Fig. 1: annual flow duration curves of daily flows from which catchment?", "flow duration curves of daily flows from Pine Creek", (2,)),
    Q("figure", HYDRO, "What does Fig. 4 show for all catchments?", "Fig. 4. Net flow reductions", (8,)),
    Q("table", HYDRO, "Table 3 coefficient of efficiency E: Biesievlei at the 10th to 40th percentiles?", "0.96 0.96 0.90 0.82", (6,)),
    Q("table", HYDRO, "Which table gives the site characteristics for all catchments?", "Table 1 Site characteristics for all catchments", (5,)),
    Q("table", HYDRO, "Table 1: area (ha) of the Traralgon Ck (Vic) catchment?", "Traralgon Ck (Vic) 8700", (5,)),
    Q("body", HYDRO, "Baseflow separation: filter coefficient of the Lyne and Hollick digital filter?", "filter coefficient of 0.925", (6,)),
    Q("heading", HYDRO, "Model evaluation: what share of the fits returned E above 0.7?", "fits (77%)", (7,)),
    Q("heading", HYDRO, "Zero flow day analysis: which function was employed for the number of zero flow days?", "inverse sigmoidal function", (4,)),
    # --- E: financial statements --------------------------------------------------------
    Q("chinese", BONDS, "截至2023年3月末，发行人各类授信额度总额是多少？", "372.53亿元", (1,)),
    Q("chinese", BONDS, "兴业银行盐城分行的授信总额是多少万元？", "302,600.00", (1,)),
    Q("chinese", BONDS, "杭州银行剩余额度是多少？", "76,310.00", (1,)),
    Q("chinese", BONDS, "2021年发行人主体信用评级的评级机构？", "联合资信评估有限公司", (1,)),
    Q("chinese", BONDS, "表7-1的标题是什么？", "发行人历史评级情况", (1,)),
    Q("heading", BONDS, "第七章企业资信状况：本次发行是否进行债项评级？", "未进行债项评级安排", (1,)),
    Q("table", MELCO, "Mitsubishi Electric comprehensive income statement: net profit for 2021 (yen millions)?", "201,683", (1,)),
    Q("table", MELCO, "Total other comprehensive income (loss) in 2021?", "214,271", (1,)),
    Q("table", MELCO, "Changes in equity 2021: total equity balance at end of year?", "2,870,611", (1,)),
    Q("table", MELCO, "Changes in equity 2020: dividends paid to non-controlling interests?", "(7,826)", (1,)),
    Q("table", MELCO, "Exchange differences on translating foreign operations in 2021?", "61,880", (1,)),
    Q("body", MELCO, "For which fiscal years are the Mitsubishi Electric consolidated statements?", "Years ended March 31, 2020 and 2021", (1,)),
    # --- F: spreadsheets ----------------------------------------------------------------
    Q("spreadsheet", TAX, "Full rate PRSI, single, €15,000: average tax rate in 1997?", "23.0%", (1,)),
    Q("spreadsheet", TAX, "Full rate PRSI, married one income 2 children, €60,000: average tax rate in 2007?", "20.8%", (1,)),
    Q("spreadsheet", TAX, "Self-employed, single, €15,000: average tax rate in 1997?", "26.4%", (3,)),
    Q("spreadsheet", TAX, "Modified rate PRSI, single, €15,000: average tax rate in 1997?", "20.9%", (2,)),
    Q("spreadsheet", TAX, "Which household type is the third table of each sheet (after single and married one income)?", "MARRIED 2 INCOMES** 2 CHILDREN", (1, 2, 3)),
    Q("spreadsheet", TAX, "How is the joint income divided in the Married two-Incomes figures?", "divided 65% and 35% between spouses", (1, 2, 3)),
    Q("spreadsheet", TAX, "What is the average tax rate a total of?", "Total of Income Tax, Levies and PRSI as a proportion of gross income", (1, 2, 3)),
    Q("spreadsheet", BOOK, "Sheet1: second 123 and third 123 when first 123 is 5?", "| 5 | 1 | -3 |", (1,)),
    Q("spreadsheet", BOOK, "Sheet2: col-2, col-3 and col-4 when col-1 is 7?", "| 7 | 14 | 21 | 28 |", (2,)),
    Q("spreadsheet", BOOK, "Sheet3: second table header next to first (f)?", "header (f)", (3,)),
    Q("spreadsheet", BOOK, "Sheet1 header cells?", "first 123", (1,)),
    # --- G: slides with charts and tables -----------------------------------------------
    Q("slide", HBCU, "Lumina Foundation goal: percent of Americans with a degree by 2025?", "from 37.9% to 60% by 2025", (4,)),
    Q("slide", HBCU, "HBCUs award approximately what share of bachelor's degrees to African Americans?", "Award approximately 22 percent", (8,)),
    Q("slide", HBCU, "E-mail of the IHEP president Michelle Asha Cooper?", "mcooper@ihep.org", (1,)),
    Q("slide", HBCU, "Financial need contributes to failure to complete: source?", "CLASP, 2011", (11,)),
    Q("figure", HBCU, "Highest level of attainment by low-income young adults 2008 chart: which groups are compared?", "Latino/a", (6,)),
    Q("figure", HBCU, "Change in highest level of attainment by African Americans 2000 and 2008: series of the chart?", "Degree Attainment", (7,)),
    Q("table", HBCU, "Recommendation 1: how to identify the number of potentially at-risk students?", "Create methods via admissions and orientation", (13,)),
    Q("table", HBCU, "Curricular redesign: how to embed supplemental services such as instructors and peer tutors?", "Train peer learning facilitators/instructors to serve as additional classroom mentors", (15,)),
    Q("table", HBCU, "Building partnerships: result of disseminating success stories beyond the campus?", "Stronger external acknowledgment of project work and support", (16,)),
    # --- H: Word, typed numbered headings -----------------------------------------------
    Q("body", PCB, "Article ID of the review on PCBs and non-Hodgkin lymphoma?", "Article ID 258981", (1,)),
    Q("body", PCB, "Weight-adjusted odds ratio ORMH for all 10 congeners collectively?", "1.43 (95% CI 1.31–1.55)", (8,)),
    Q("heading", PCB, "Temporality: NHL has seen its largest increases in the population over which age?", "over the age of 55", (6,)),
    Q("heading", PCB, "Disclosure: what services do both authors provide?", "forensic consulting services for environmental toxin litigation", (12,)),
    Q("heading", PCB, "Ecological Analysis: where were the incidence data acquired from?", "National Institute of Cancer", (5,)),
    Q("table", PCB, "5-Year Relative Survival in 1990?", "89.2%", (30,)),
    Q("table", PCB, "New cases SEER 9 per 100,000 females in 1976?", "| 1976 | 101.9 |", (20,)),
    # --- I: scans and photos ------------------------------------------------------------
    Q("chinese", PENALTY, "行政处罚决定书的当事人是哪家公司？", "哈尔滨电气国际工程有限责任公司", (1,)),
    Q("chinese", PENALTY, "当事人的海关注册登记编码是多少？", "2301914001", (1,)),
    Q("chinese", PENALTY, "当事人申领的进料加工手册编号是多少？", "C23067150841", (1,)),
    Q("chinese", PENALTY, "未如实申报的残次品价值共计人民币多少元？", "668730.23", (1,)),
    Q("chinese", PENALTY, "海关决定对当事人科处罚款人民币多少元？", "罚款人民币45000元", (2,)),
    Q("chinese", PENALTY, "不服处罚决定的，可在多少日内向南京海关申请行政复议？", "60日内向南京海关申请行政复议", (2,)),
    Q("chinese", PENALTY, "到期不缴纳罚款的，每日按罚款数额的多少加处罚款？", "百分之三", (3,)),
    Q("scan", EGFR, "Table 3 eGFR equations in critically ill patients with AKI: how many patients?", "37 patients", (1,)),
    Q("scan", EGFR, "Table 3: 1.96 x SD of the Cockcroft and Gault equation?", "13.72", (1,)),
    Q("scan", EGFR, "Table 3: 1.96 x SD of the MDRD 6 equation?", "16.66", (1,)),
    Q("scan", EGFR, "When introduced, what P30 did the CKD-EPI equation have?", "79.9%", (1,)),
    Q("heading", EGFR, "Limitations: how many patients were in the small study comparing DTPA or inulin clearance?", "eighteen critically ill patients", (1,)),
    Q("scan", EGFR, "Correlation coefficient between DTPA and 2-hour creatinine clearance?", "creatinine clearance of 0.92", (1,)),
    # --- J: invoice ---------------------------------------------------------------------
    Q("form", INVOICE, "Invoice number of the Bayside Wholesale invoice?", "INV-0046", (1,)),
    Q("form", INVOICE, "Total USD of the invoice?", "TOTAL USD 273.13", (1,)),
    Q("form", INVOICE, "Total sales tax at 9.25%?", "23.13", (1,)),
    Q("form", INVOICE, "Which account number is used for electronic payment?", "123456789-1234567890", (1,)),
    Q("form", INVOICE, "Payment advice: to which company?", "To: Orange Demo Inc.", (1,)),
    Q("form", INVOICE, "Invoice due date?", "Due Date: Jun 3, 2013", (1,)),
    # --- K: text only in pictures -------------------------------------------------------
    Q("slide", PLEDGES, "Which mindset will I maintain?", "I will maintain a gender parity mindset", (1,)),
    Q("slide", PLEDGES, "What will I challenge?", "I will challenge stereotypes and bias", (3,)),
    Q("slide", PLEDGES, "We will forge what for women?", "We will forge positive visibility of women", (6,)),
    Q("slide", PLEDGES, "Whose beliefs and actions will I influence?", "I will influence the beliefs and actions of others", (7,)),
    Q("slide", PLEDGES, "What will I celebrate?", "I will celebrate women's achievements", (9,)),
    Q("slide", PLEDGES, "What will I press for?", "I will press for progress", (11,)),
    # --- L: running text of long documents, sections, captions (questions that rank) ----
    # Worded as a reader asks, not copied from the passage. A Word file's page here is the
    # emulator's estimate (Word's own layout is not in the file).
    Q("body", HYDRO, "How long was Stewarts Creek monitored before its conversion to pine?", "9 years of pre-treatment", (5,)),
    Q("body", HYDRO, "What happened to a low flow index when grassland in India was planted with eucalypts?", "by a factor of two", (2,)),
    Q("body", HYDRO, "At what age do natural E. regnans stands use the most water?", "around 30 years", (11,)),
    Q("body", HYDRO, "When did the streams at Stewarts Creek and Pine Creek start flowing less than half of the time?", "by year 8", (9,)),
    Q("body", HYDRO, "How many years of data after the planting were there at the best Victorian site?", "25 years of post-treatment", (5,)),
    Q("body", HYDRO, "Which water years were the flow duration curves built on for most catchments?", "May–April for eight catchments", (6,)),
    Q("body", HYDRO, "Why were the flow reductions not scaled up to 100% afforestation?", "there is no evidence that this is the case", (8,)),
    Q("body", HYDRO, "What obvious change to the model would improve the analysis, at the cost of simplicity?", "Inclusion of a storage term in the model", (11,)),
    Q("body", HYDRO, "Over which percentiles does the link between rainfall and flow weaken?", "diminishes at lower flows (60–100th percentile)", (10,)),
    Q("body", HYDRO, "What is the likely reason for the poor model fit at Lambrechtsbos A?", "observed annual decrease in stand water use after 12 years", (10,)),
    Q("heading", HYDRO, "Zero flow days: how well did the model fit the three catchments?", "0.95, 0.99 and 0.99", (9,)),
    Q("heading", HYDRO, "Discussion: how many catchments were planted with pine?", "nine of the 10", (10,)),
    Q("heading", HYDRO, "Acknowledgements: who helped with the statistics?", "Richard Morton", (12,)),
    Q("heading", HYDRO, "Acknowledgements: which forestry unit funded the work?", "Private Forestry Unit", (12,)),
    Q("heading", HYDRO, "Model evaluation: how often was the rainfall term significant at the 5% level?", "75% of the deciles", (7,)),
    Q("heading", HYDRO, "Timing of flow reductions: after how many years do most responses reach half their flow reduction?", "between 5 and 10 years", (8,)),
    Q("figure", HYDRO, "Fig. 5: for which catchments are the zero flow days plotted?", "Stewarts Creek 5, Redhill and Pine Creek", (10,)),
    Q("figure", HYDRO, "Fig. 2: what does panel (b) of the schematic show?", "definition of model parameters", (4,)),
    Q("across_pages", HYDRO, "What were the aims of this project?", "were to (1) fit a model", (2, 3)),
    Q("across_pages", HYDRO, "The model fits justify a new equilibrium of stand water use for what length of commercial plantation growth?", "growth (up to 20 years)", (10, 11)),
    Q("across_pages", HYDRO, "What would a critical value of t exceeding the calculated t-value indicate?", "would indicate the time term in (6) was required", (4, 5)),
    Q("figure", HYDRO, "Fig. 3: observed and adjusted flow duration curves of which catchment?", "Stewarts Creek 5, Australia", (7,)),
    Q("across_pages", HYDRO, "What does Table 2 give?", "the coefficient of efficiency (E) for each flow percentile", (6, 7)),
    Q("across_pages", HYDRO, "Summary: to what kinds of catchments was the model successfully fitted?", "scales, species and environments", (11, 12)),
    Q("body", PCB, "How quickly did non-Hodgkin lymphoma become more common in the US up to 1991?", "3.6% per year", (7,)),
    Q("body", PCB, "Which PCB congeners behave like dioxins?", "118, 156, and 169", (7,)),
    Q("body", PCB, "Breast cancer cohort: when were the mothers' blood samples taken?", "within 1–3 days of delivery", (2,)),
    Q("body", PCB, "How many matched pairs of cases and controls were analysed in the breast cancer study?", "112 case–control pairs", (2,)),
    Q("body", PCB, "Which cancers does non-Hodgkin lymphoma include?", "all cancers of lymphoid tissues", (7,)),
    Q("body", PCB, "How do PCBs get into the human body?", "through ingestion, inhalation, and/or dermal exposure", (6,)),
    Q("body", PCB, "Which receptor do the dioxin-like congeners bind to?", "aryl hydrocarbon receptor (AhR)", (8,)),
    Q("body", PCB, "Do PCBs dissolve in water?", "nearly insoluble in water", (5,)),
    Q("body", PCB, "Who metabolizes and eliminates PCBs more slowly?", "higher body mass index (BMI)", (20,)),
    Q("body", PCB, "How complete is the cancer registry used to find the breast cancer cases?", "complete after a lag time of about 2 years", (2,)),
    Q("body", PCB, "Which health plan did the pregnant women of the cohort belong to?", "Kaiser Permanente Health Plan", (2,)),
    Q("heading", PCB, "Acknowledgments: who commented on the technical side?", "Wendy M. Leith", (21,)),
    Q("heading", PCB, "Plausibility: what do PCBs have in common with other chemicals linked to NHL?", "same chemical family of organochlorines", (15,)),
    Q("heading", PCB, "Strength of association: how many studies were screened for the meta-analysis?", "Eleven published case-control studies", (16,)),
    Q("heading", PCB, "Conclusions: what proportion of NHL cases goes with the highest PCB levels?", "43% association", (21,)),
    Q("heading", PCB, "Ecological effects: did the choice of accumulation model change the correlation with NHL?", "regardless of the assumed accumulation models", (18,)),
    Q("figure", PCB, "Which figure shows the odds ratios of every PCB congener reported in the case-control studies?", "Figure 1: Odds ratios and 95% confidence limits", (16,)),
    Q("figure", PCB, "Ecological correlation figure: what is the first of the three exposure assumptions?", "sales-only exposure (sales model)", (18,)),
    Q("body", LABOR, "How many jobs disappeared during the previous decade?", "3.2 million", (1,)),
    Q("body", GRADUATES, "How were the pupil/teacher ratios computed?", "derived from tables 1 and 16", (5,)),
    Q("body", GRADUATES, "Which students are counted in the fall enrollment of the per pupil expenditures?", "students for whom finance data were collected", (6,)),
    Q("body", GRADUATES, "Why are there no current-dollar expenditure projections for the later years?", "uncertain behavior of inflation over time", (6, 7)),
    Q("body", GRADUATES, "How were the new teacher hires estimated?", "estimated using the New Teacher Hires Model", (4,)),
    Q("body", ARRESTS, "How many people lived in the areas of the agencies reporting arrests by race?", "239,839,971", (1,)),
    Q("heading", CFR, "Definitions: what does tenure mean?", "the period of time an employee may reasonably", (1,)),
    Q("heading", CFR, "Competitive status: how is it acquired?", "career appointment through open competitive examination", (1,)),
    Q("heading", CFR, "Positions and employees affected by the rules: whom do the rules apply to besides all competitive positions?", "to all incumbents of such positions", (1,)),
    Q("body", CFR, "Under which schedules may an employee be first listed and still continue in the competitive service?", "Schedule A, B, or C", (1,)),
    Q("heading", EGFR, "Limitations: what besides muscle mass influences serum creatinine concentrations?", "protein intake, gender, and age", (1,)),
    Q("scan", EGFR, "When originally derived, what P30 accuracy did the cystatin C equations show?", "81%, 83%, and 89%", (1,)),
    Q("slide", HBCU, "College Board goal: what share of the U.S. population should hold a college degree or certificate by 2025?", "At least 55 percent", (4,)),
    Q("slide", HBCU, "What share of all African American teachers do HBCUs produce?", "50 percent of all African American teachers", (8,)),
    Q("slide", HBCU, "Faculty as key allies: which courses should be identified?", "high-enrollment, high-failure courses", (14,)),
    Q("figure", HBCU, "Which IHEP report is the source of the attainment charts?", "Portraits of Low-Income Young Adults", (6, 7)),
    Q("form", INVOICE, "Where is the registered office of the invoicing company?", "23 Main Street, Central City, Oaktown", (1,)),
    Q("form", INVOICE, "What is the description of the invoice line item?", "implementation - branding workshop", (1,)),
)
# fmt: on
