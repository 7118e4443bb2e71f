"""Faint, small, blurred, rotated and skewed tickets, decoded in Chromium by the code
the scanner page uses (static/js/decoder.js), against zxing-cpp in Python."""

import base64
import io

import pytest
import zxingcpp
from PIL import Image, ImageFilter

from events.identifiers import new_ticket_code
from events.messages.qr import ticket_png

pytestmark = pytest.mark.browser

FRAME = (480, 360)


def _contrast(image, dark, light):
    return image.point(lambda value: dark + (light - dark) * value // 255)


def _skew(image):
    """A ticket held at an angle: a quadrilateral of the image stretched to a square."""
    width, height = image.size
    corners = (
        (-0.15 * width, 0),  # upper left
        (0, height),  # lower left
        (width, 1.1 * height),  # lower right
        (1.05 * width, -0.1 * height),  # upper right
    )
    quad = [c for corner in corners for c in corner]
    return image.transform(image.size, Image.QUAD, quad, Image.BILINEAR, fillcolor=255)


def _rotate(image, degrees):
    return image.rotate(degrees, Image.BILINEAR, expand=True, fillcolor=255)


def _jpeg(image, quality):
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("L")


DEGRADATIONS = {
    "60px": lambda im: im.resize((60, 60), Image.BILINEAR),
    "80px": lambda im: im.resize((80, 80), Image.BILINEAR),
    "100px": lambda im: im.resize((100, 100), Image.BILINEAR),
    "blurred": lambda im: im.resize((160, 160), Image.BILINEAR).filter(ImageFilter.GaussianBlur(2)),
    "jpeg30": lambda im: _jpeg(im.resize((120, 120), Image.BILINEAR), 30),
    "rotated15": lambda im: _rotate(im.resize((200, 200)), 15),
    "rotated45": lambda im: _rotate(im.resize((200, 200)), 45),
    "skewed": lambda im: _skew(im.resize((220, 220))),
    "grey90-165": lambda im: _contrast(im.resize((200, 200), Image.BILINEAR), 90, 165),
    "grey110-145": lambda im: _contrast(im.resize((200, 200), Image.BILINEAR), 110, 145),
}


def corpus(count=4):
    """[(name, code, PIL image)]: each ticket degraded in each way, on a camera-sized frame."""
    images = []
    for _ in range(count):
        code = new_ticket_code()
        ticket = Image.open(io.BytesIO(ticket_png(code))).convert("L")
        for name, degrade in DEGRADATIONS.items():
            symbol = degrade(ticket)
            background = 255 if not name.startswith("grey") else symbol.getpixel((0, 0))
            frame = Image.new("L", FRAME, background)
            frame.paste(symbol, ((FRAME[0] - symbol.width) // 2, (FRAME[1] - symbol.height) // 2))
            images.append((name, code, frame))
    return images


def _data_url(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


DECODE_ALL = """async (urls) => {
  const texts = [];
  for (const url of urls) {
    const image = new Image();
    image.src = url;
    await image.decode();
    texts.push(await TicketDecoder.decodeFrom(image, image.naturalWidth, image.naturalHeight));
  }
  return texts;
}"""

JSQR_ALL = """async (urls) => {
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const texts = [];
  for (const url of urls) {
    const image = new Image();
    image.src = url;
    await image.decode();
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    context.drawImage(image, 0, 0);
    const data = context.getImageData(0, 0, canvas.width, canvas.height);
    const found = jsQR(data.data, data.width, data.height);
    texts.push(found ? found.data : null);
  }
  return texts;
}"""


def test_the_page_decoder_reads_at_least_what_zxing_cpp_reads(page, live_app):
    images = corpus()
    by_zxing = [
        any(result.text == code for result in zxingcpp.read_barcodes(image))
        for _name, code, image in images
    ]
    page.goto(f"{live_app.url}/login")  # any page of the site, under its CSP
    for script in ("vendor/zxing-wasm/zxing-reader.js", "js/decoder.js", "vendor/jsqr/jsQR.js"):
        page.add_script_tag(url=f"{live_app.url}/static/{script}")
    page.evaluate("TicketDecoder.prepare('/static/vendor/zxing-wasm/reader/zxing_reader.wasm')")
    urls = [_data_url(image) for _name, _code, image in images]
    texts = page.evaluate(DECODE_ALL, urls)
    by_page = [text == code for text, (_name, code, _image) in zip(texts, images, strict=True)]
    by_jsqr = [
        text == code
        for text, (_name, code, _image) in zip(page.evaluate(JSQR_ALL, urls), images, strict=True)
    ]

    faint = [index for index, (name, _c, _i) in enumerate(images) if name.startswith("grey")]
    report = {
        "zxing-cpp": sum(by_zxing),
        "page": sum(by_page),
        "jsQR": sum(by_jsqr),
        "faint page": sum(by_page[i] for i in faint),
        "faint jsQR": sum(by_jsqr[i] for i in faint),
        "missed by page": sorted({images[i][0] for i, ok in enumerate(by_page) if not ok}),
    }
    print(f"\n{len(images)} tickets decoded: {report}")
    assert sum(by_page) >= sum(by_zxing), report
    assert sum(by_page[i] for i in faint) == len(faint), report
    assert not any(text and text not in {c for _n, c, _i in images} for text in texts)
