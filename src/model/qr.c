#include "model/qr.h"

#include <errno.h>
#include <qrencode.h>

#include "base/err.h"

#define QR_QUIET 4  /* modules of white border that readers need */
#define QR_MODULE 4 /* user units per module, so the path stays integral */

static int put_escaped(struct buf *out, const char *s)
{
	for (const char *p = s; *p; p++) {
		int r;
		switch (*p) {
		case '<': r = buf_puts(out, "&lt;"); break;
		case '>': r = buf_puts(out, "&gt;"); break;
		case '&': r = buf_puts(out, "&amp;"); break;
		case '"': r = buf_puts(out, "&quot;"); break;
		default: r = buf_putc(out, *p); break;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* One path of squares, one per dark module: a reader needs nothing else. */
static int put_modules(struct buf *out, const QRcode *qr)
{
	int r = buf_puts(out, "<path fill=\"#000\" d=\"");
	for (int y = 0; r == 0 && y < qr->width; y++)
		for (int x = 0; r == 0 && x < qr->width; x++)
			if (qr->data[y * qr->width + x] & 1)
				r = buf_printf(out, "M%d %dh%dv%dh-%dz", (x + QR_QUIET) * QR_MODULE,
					       (y + QR_QUIET) * QR_MODULE, QR_MODULE, QR_MODULE, QR_MODULE);
	return r < 0 ? r : buf_puts(out, "\"/>");
}

int qr_svg(const char *text, const char *title, struct buf *out)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return errno == ENOMEM ? ERR_NOMEM : ERR_TOOBIG;
	int size = (qr->width + 2 * QR_QUIET) * QR_MODULE;
	int r = buf_printf(out,
			   "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\""
			   " role=\"img\" aria-labelledby=\"qr-title\"><title id=\"qr-title\">",
			   size, size, size * 2, size * 2);
	if (r == 0)
		r = put_escaped(out, title);
	if (r == 0)
		r = buf_printf(out, "</title><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>", size, size);
	if (r == 0)
		r = put_modules(out, qr);
	if (r == 0)
		r = buf_puts(out, "</svg>");
	QRcode_free(qr);
	return r;
}
