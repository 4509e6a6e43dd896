"""Small PDFs built byte by byte for the MOA tests: a typed MOA and hostile variants."""

from __future__ import annotations

import zlib


def build_pdf(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    """Assemble numbered objects (1 = catalog) into a PDF with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer_extra,
        xref,
    )
    return bytes(out)


def _stream(content: bytes, compress: bool = False) -> bytes:
    if compress:
        content = zlib.compress(content, 9)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream"
    return b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"


def _page_objects(content: bytes, compress: bool = False) -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        _stream(content, compress),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>",
    ]


def text_pdf(lines: list[tuple[float, float, str]]) -> bytes:
    """A one-page PDF with a real text layer: (x, y-from-top, text) per line."""
    ops = [b"BT /F1 11 Tf"]
    for x, y, text in lines:
        safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(b"1 0 0 1 %.1f %.1f Tm (%s) Tj" % (x, 792 - y, safe.encode("latin-1")))
    ops.append(b"ET")
    return build_pdf(_page_objects(b"\n".join(ops)))


MOA_BODY = [
    "This Memorandum of Agreement (MOA) constitutes an agreement between U.S. Immigration and",
    "Customs Enforcement (ICE), a component of the Department of Homeland Security (DHS), and",
    "the Example County Sheriff's Office, hereinafter the law enforcement agency (LEA), pursuant",
    "to which ICE delegates to nominated, trained, certified, and authorized LEA personnel the",
    "authority to perform certain immigration enforcement functions as specified herein. The LEA",
    "and ICE enter into this MOA in good faith and agree to abide by the terms and conditions.",
    "By signing this MOA, each party represents it is fully authorized to enter into this MOA, accepts",
    "the terms, responsibilities, obligations, and limitations of this MOA, and agrees to be bound thereto",
    "to the fullest extent allowed by law.",
]


def typed_moa(model_line: str = "287(g) Jail Enforcement Model") -> bytes:
    """A born-digital one-page MOA in the 2025 layout: heading, parties, signature block."""
    lines = [(200, 60, "MEMORANDUM OF AGREEMENT"), (210, 74, model_line)]
    lines += [(72, 110 + 14 * i, text) for i, text in enumerate(MOA_BODY)]
    block = [
        ("For the LEA:", "For ICE:"),
        ("Date: March 3, 2025", "Date: 03/12/2025"),
        ("Signature:", "Signature:"),
        ("Name: Jane Q. Example", "Name: Todd M. Lyons"),
        ("Title: Sheriff", "Title: Acting Director"),
        ("Agency: Example County Sheriff's Office", "Agency: Immigration and Customs Enforcement"),
    ]
    for i, (left, right) in enumerate(block):
        lines += [(72, 280 + 24 * i, left), (330, 280 + 24 * i, right)]
    lines += [(72, 740, "Example County Sheriff's Office"), (450, 740, "Revised 02/15/2025")]
    return text_pdf(lines)


def encrypted_pdf() -> bytes:
    """A PDF under the standard security handler whose user password is not empty."""
    objects = _page_objects(b"BT /F1 11 Tf 72 700 Td (secret) Tj ET")
    objects.append(
        b"<< /Filter /Standard /V 1 /R 2 /P -4 /O <" + b"ab" * 32 + b"> /U <" + b"cd" * 32 + b"> >>"
    )
    return build_pdf(objects, b"/Encrypt 6 0 R /ID [<" + b"01" * 16 + b"> <" + b"01" * 16 + b">] ")


def heavy_pdf(operators: int = 3_000_000) -> bytes:
    """Small on disk, but its page holds millions of drawing operators for the PDF engine to chew."""
    return build_pdf(_page_objects(b"0 0 m 1 1 l S\n" * operators, compress=True))


def looping_pdf() -> bytes:
    """A page tree whose Kids point back at itself."""
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 3 0 R] /Count 2 >>",
        ]
    )


def image_only_pdf() -> bytes:
    """One page with a picture and no text layer, like a scanner's output."""
    width = height = 8
    pixels = zlib.compress(b"\xff" * (width * height))
    image = (
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % (width, height, len(pixels))
        + pixels
        + b"\nendstream"
    )
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /XObject << /Im1 5 0 R >> >> >>",
            _stream(b"q 612 0 0 792 0 0 cm /Im1 Do Q"),
            image,
        ]
    )


def test_built_pdfs_are_what_the_other_tests_take_them_for() -> None:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(typed_moa())) as pdf:
        assert "fullest extent allowed by law" in pdf.pages[0].extract_text()
    with pdfplumber.open(io.BytesIO(image_only_pdf())) as pdf:
        assert pdf.pages[0].images and not (pdf.pages[0].extract_text() or "").strip()
