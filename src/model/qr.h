/* qr: a QR code drawn as SVG, for the authenticator's set-up address.
 *
 * Drawn here from libqrencode's modules, so the code never leaves the
 * server for a third-party service; the SVG is well-formed XML that the
 * page puts inline. */
#pragma once

#include "base/buf.h"

/* Appends the SVG of text's QR code (error correction M) to out; title is
 * its accessible name (escaped here). ERR_TOOBIG when text does not fit a
 * QR code. */
int qr_svg(const char *text, const char *title, struct buf *out);
