/* Fuzz target: the content check of attachments (model/sniff.c). The first
 * byte of an input sets the size of the pieces the rest is fed in; the
 * verdict must be the same as for the rest fed whole, an allowed kind must
 * have a media type and a label, and a kind refused none. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "model/sniff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t piece = (size_t)data[0] + 1;
	data++;
	size--;
	struct sniff whole, cut;
	sniff_init(&whole);
	sniff_feed(&whole, data, size);
	sniff_init(&cut);
	for (size_t at = 0; at < size; at += piece)
		sniff_feed(&cut, data + at, size - at < piece ? size - at : piece);
	enum sniff_kind k = sniff_result(&whole);
	if (sniff_result(&cut) != k || whole.total != size)
		abort();
	if (sniff_allowed(k) != (sniff_media_type(k) != NULL) || !sniff_label(k))
		abort();
	if (sniff_allowed(k) && sniff_kind_of(sniff_media_type(k)) != k)
		abort();
	if (size == 0 && k != SNIFF_EMPTY)
		abort();
	return 0;
}
