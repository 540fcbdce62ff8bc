/* The browser UI: files from web/, compiled into the binary. */
#include <string.h>

#include "base/embed.h"
#include "base/err.h"
#include "base/str.h"
#include "http/http.h"

extern const struct embedded_file web_asset_files[];

static const char *content_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".html", "text/html; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
		{".json", "application/json"},
	};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (str_ends_with(name, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

int h_static(struct http_req *req, struct http_resp *resp)
{
	/* The set-up page is its own page: it needs no session and none of
	 * the app. */
	const char *name = strcmp(req->path, "/") == 0	       ? "index.html"
			   : strcmp(req->path, "/setup") == 0 ? "setup.html"
			   : strcmp(req->path, "/verify") == 0 ? "verify.html"
							       : req->path + 1;
	const struct embedded_file *f = embedded_find(web_asset_files, name);
	if (!f)
		return ERR_NOTFOUND;
	resp->status = 200;
	resp->content_type = content_type(name);
	resp->static_body = f->data;
	resp->static_len = f->size;
	resp->cacheable = true;
	return 0;
}
