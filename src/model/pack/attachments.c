/* attachments.c: the pack's "attachments" section, the largest file that
 * may be attached to a case or a child (docs/packs.md, "attachments"). */
#include "model/pack/pack_int.h"

void pack_check_attachments(struct check *c, const json_t *root, struct pack *p)
{
	p->attachments.max_bytes = PACK_ATTACHMENT_MAX_BYTES_DEFAULT;
	const json_t *a = json_object_get(root, "attachments");
	if (!a)
		return;
	if (!json_is_object(a)) {
		pack_fail(c, "attachments", "must be a set of named values such as {\"max_bytes\": 26214400}");
		return;
	}
	pack_check_keys(c, a, "attachments", PACK_KEYS_ATTACHMENTS);
	if (json_object_get(a, "max_bytes"))
		pack_get_int(c, a, "attachments", "max_bytes", 1, PACK_ATTACHMENT_MAX_BYTES_LIMIT,
			     &p->attachments.max_bytes);
}
