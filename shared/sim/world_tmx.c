/* Tiled's XML formats into the map model: maps (.tmx), tilesets (.tsx) and
 * object templates (.tx), through expat's streaming parser. One element
 * stack; each element Lyceum reads starts its part of the model and
 * finishes it when it closes; everything else is skipped with all that it
 * holds. A document with a DOCTYPE is refused (Tiled writes none, and
 * without one there are no entities to expand), nesting and attribute
 * counts are capped, and every number is parsed whole or refused. */
#include "world_tmx.h"

#include <math.h> /* isfinite only: this library does not link libm */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum core_result sim_tmx_fail(struct sim_tmx *t, const char *fmt, ...)
{
	char what[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return sim_load_fail(t->ld, "line %lu: %s", (unsigned long)XML_GetCurrentLineNumber(t->parser),
			     what);
}

const char *sim_tmx_attr(const XML_Char **atts, const char *name)
{
	for (int i = 0; atts[i]; i += 2) {
		if (!strcmp(atts[i], name))
			return atts[i + 1];
	}
	return NULL;
}

bool sim_tmx_parse_int(const char *s, int64_t *out)
{
	bool neg = *s == '-';
	if (neg || *s == '+')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	uint64_t v = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (*s || v > (uint64_t)INT64_MAX + neg)
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

bool sim_tmx_parse_number(const char *s, double *out)
{
	if (!*s || strspn(s, "0123456789+-.eE") != strlen(s))
		return false;
	char *end;
	double v = strtod(s, &end);
	if (*end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

enum core_result sim_tmx_int_attr(struct sim_tmx *t, const char *elem, const XML_Char **atts,
				  const char *name, int64_t def, int64_t *out)
{
	const char *v = sim_tmx_attr(atts, name);
	*out = def;
	if (v && !sim_tmx_parse_int(v, out))
		return sim_tmx_fail(t, "<%s> %s='%.40s' is not an integer", elem, name, v);
	return CORE_OK;
}

enum core_result sim_tmx_number_attr(struct sim_tmx *t, const char *elem, const XML_Char **atts,
				     const char *name, double *field)
{
	const char *v = sim_tmx_attr(atts, name);
	if (v && !sim_tmx_parse_number(v, field))
		return sim_tmx_fail(t, "<%s> %s='%.40s' is not a finite number", elem, name, v);
	return CORE_OK;
}

enum core_result sim_tmx_string_attr(struct sim_tmx *t, const XML_Char **atts, const char *name,
				     const char **field)
{
	const char *v = sim_tmx_attr(atts, name);
	return v ? sim_map_strdup(t->ld, v, field) : CORE_OK;
}

enum core_result sim_tmx_begin_text(struct sim_tmx *t)
{
	t->collecting = true;
	t->text_len = 0;
	return CORE_OK;
}

static void on_text(void *user, const XML_Char *s, int len)
{
	struct sim_tmx *t = user;
	if (t->r != CORE_OK || !t->collecting)
		return;
	/* text never outgrows the document it comes from */
	if ((size_t)len > t->text_cap - 1 - t->text_len) {
		t->r = sim_tmx_fail(t, "more text than the file holds");
		XML_StopParser(t->parser, XML_FALSE);
		return;
	}
	memcpy(t->text + t->text_len, s, (size_t)len);
	t->text_len += (size_t)len;
	t->text[t->text_len] = '\0';
}
/* ---- tilesets --------------------------------------------------------------- */

static enum core_result read_tileset_attrs(struct sim_tmx *t, const XML_Char **atts,
					   struct sim_map_tileset *ts)
{
	enum core_result r = CORE_OK;
	if (r == CORE_OK)
		r = sim_tmx_int_attr(t, "tileset", atts, "tilecount", 0, &ts->tilecount);
	if (r == CORE_OK)
		r = sim_tmx_int_attr(t, "tileset", atts, "columns", SIM_MAP_BAD_INT, &ts->columns);
	if (r == CORE_OK)
		r = sim_tmx_int_attr(t, "tileset", atts, "tilewidth", SIM_MAP_BAD_INT, &ts->tile_w_px);
	if (r == CORE_OK)
		r = sim_tmx_int_attr(t, "tileset", atts, "tileheight", SIM_MAP_BAD_INT, &ts->tile_h_px);
	if (r == CORE_OK)
		r = sim_tmx_int_attr(t, "tileset", atts, "margin", 0, &ts->margin_px);
	if (r == CORE_OK)
		r = sim_tmx_int_attr(t, "tileset", atts, "spacing", 0, &ts->spacing_px);
	t->tileset = ts;
	return r;
}

/* A <tileset> in a map: a reference to a file, or the tileset itself. */
static enum core_result start_map_tileset(struct sim_tmx *t, const XML_Char **atts,
					  enum sim_tmx_elem *kind)
{
	struct sim_map *map = t->ld->map;
	int64_t firstgid;
	enum core_result r = sim_tmx_int_attr(t, "tileset", atts, "firstgid", 0, &firstgid);
	const char *source = sim_tmx_attr(atts, "source");
	if (r == CORE_OK && source) {
		*kind = SIM_TMX_SKIPPED;
		return sim_map_read_tileset_file(t->ld, source, firstgid);
	}
	char where[32];
	snprintf(where, sizeof(where), "%d (embedded)", map->tileset_count);
	struct sim_map_tileset *ts;
	if (r == CORE_OK)
		r = sim_map_new_tileset(t->ld, &ts);
	if (r == CORE_OK)
		r = sim_map_strdup(t->ld, where, &ts->where);
	if (r != CORE_OK)
		return r;
	ts->firstgid = firstgid;
	return read_tileset_attrs(t, atts, ts);
}

static enum core_result start_tile(struct sim_tmx *t, const XML_Char **atts)
{
	enum core_result r = sim_map_new_tile_info(t->ld, t->tileset, &t->tile);
	if (r == CORE_OK)
		r = sim_tmx_int_attr(t, "tile", atts, "id", SIM_MAP_BAD_INT, &t->tile->id);
	return r;
}

static enum core_result start_tileoffset(struct sim_tmx *t, const XML_Char **atts)
{
	enum core_result r = sim_tmx_int_attr(t, "tileoffset", atts, "x", 0, &t->tileset->offset_x_px);
	if (r == CORE_OK)
		r = sim_tmx_int_attr(t, "tileoffset", atts, "y", 0, &t->tileset->offset_y_px);
	return r;
}

/* ---- layers ------------------------------------------------------------------ */

static bool shown(const struct sim_tmx *t, const XML_Char **atts)
{
	const char *v = sim_tmx_attr(atts, "visible");
	return t->group_visible[t->group_depth] && !(v && !strcmp(v, "0"));
}

static enum core_result start_layer(struct sim_tmx *t, const XML_Char **atts,
				    enum sim_map_layer_kind kind)
{
	const char *name = "(unnamed)";
	enum core_result r = sim_tmx_string_attr(t, atts, "name", &name);
	if (r != CORE_OK)
		return r;
	t->ld->layer = name;
	if (kind == SIM_MAP_TILE_LAYER) {
		int64_t width, height;
		if ((r = sim_tmx_int_attr(t, "layer", atts, "width", 0, &width)) != CORE_OK ||
		    (r = sim_tmx_int_attr(t, "layer", atts, "height", 0, &height)) != CORE_OK ||
		    (r = sim_map_check_layer_size(t->ld, width, height)) != CORE_OK)
			return r;
	}
	t->layer_has_data = false;
	t->cells_read = 0;
	return sim_map_new_layer(t->ld, kind, name, shown(t, atts), &t->layer);
}

static enum core_result end_layer(struct sim_tmx *t)
{
	enum core_result r = CORE_OK;
	if (t->layer->kind == SIM_MAP_TILE_LAYER && !t->layer_has_data)
		r = sim_load_fail(t->ld, "has no tile data");
	t->layer = NULL;
	t->ld->layer = NULL;
	return r;
}

static enum core_result start_group(struct sim_tmx *t, const XML_Char **atts)
{
	if (t->group_depth == SIM_MAP_MAX_GROUP_DEPTH)
		return sim_load_fail(t->ld, "layer groups nest deeper than %d",
				     SIM_MAP_MAX_GROUP_DEPTH);
	bool visible = shown(t, atts);
	t->group_depth++;
	t->group_visible[t->group_depth] = visible;
	const char *name = "(unnamed)";
	enum core_result r = sim_tmx_string_attr(t, atts, "name", &name);
	t->ld->layer = name;
	return r;
}

static enum core_result start_data(struct sim_tmx *t, const XML_Char **atts)
{
	struct sim_map_layer *layer = t->layer;
	const char *encoding = sim_tmx_attr(atts, "encoding");
	const char *compression = sim_tmx_attr(atts, "compression");
	if (t->layer_has_data)
		return sim_tmx_fail(t, "a second <data> in one layer");
	if (!encoding) {
		layer->encoding = SIM_LAYER_XML;
	} else if (!strcmp(encoding, "csv")) {
		layer->encoding = SIM_LAYER_CSV;
	} else if (!strcmp(encoding, "base64")) {
		layer->encoding = SIM_LAYER_BASE64;
	} else {
		return sim_tmx_fail(t, "tile data encoding '%.40s' is not one Tiled writes; set Map > Map "
				       "Properties > Tile Layer Format",
				    encoding);
	}
	if (layer->encoding != SIM_LAYER_BASE64 && compression)
		return sim_tmx_fail(t, "only base64 tile data can be compressed; re-save the map from "
				       "Tiled");
	if (!sim_layer_compression_parse(compression, &layer->compression))
		return sim_load_fail(t->ld, "tile data is compressed with %.40s, which Lyceum does "
					    "not read; in Tiled set Map > Map Properties > Tile Layer "
					    "Format to CSV or Base64 (uncompressed, zlib, gzip or "
					    "zstd)",
				     compression);
	return layer->encoding == SIM_LAYER_XML ? CORE_OK : sim_tmx_begin_text(t);
}

static enum core_result end_data(struct sim_tmx *t)
{
	struct sim_map_layer *layer = t->layer;
	size_t cells = (size_t)t->ld->map->width * (size_t)t->ld->map->height;
	char why[160];
	enum core_result r = CORE_OK;
	t->layer_has_data = true;
	t->collecting = false;
	if (layer->encoding == SIM_LAYER_XML) {
		if (t->cells_read != cells)
			return sim_load_fail(t->ld, "has %zu <tile> elements, expected %zu",
					     t->cells_read, cells);
		return CORE_OK;
	}
	if (layer->encoding == SIM_LAYER_CSV)
		r = sim_layer_decode_csv(t->text, t->text_len, layer->gids, cells, why, sizeof(why));
	else
		r = sim_layer_decode_base64(t->text, t->text_len, layer->compression, layer->gids,
					    cells, why, sizeof(why));
	if (r != CORE_OK)
		return sim_load_fail(t->ld, "%s; re-save the map from Tiled", why);
	return CORE_OK;
}

static enum core_result start_data_tile(struct sim_tmx *t, const XML_Char **atts)
{
	struct sim_map_layer *layer = t->layer;
	size_t cells = (size_t)t->ld->map->width * (size_t)t->ld->map->height;
	if (layer->encoding != SIM_LAYER_XML)
		return sim_tmx_fail(t, "<tile> elements in %s tile data",
				    sim_layer_encoding_name(layer->encoding));
	if (t->cells_read == cells)
		return sim_load_fail(t->ld, "has more than %zu <tile> elements", cells);
	int64_t gid;
	enum core_result r = sim_tmx_int_attr(t, "tile", atts, "gid", 0, &gid);
	if (r == CORE_OK && (gid < 0 || gid > UINT32_MAX))
		r = sim_tmx_fail(t, "<tile> gid %lld is not a tile gid", (long long)gid);
	if (r == CORE_OK)
		layer->gids[t->cells_read] = (uint32_t)gid;
	t->cells_read++;
	return r;
}
/* ---- the element stack ----------------------------------------------------------- */

static bool is(const char *name, const char *want)
{
	return !strcmp(name, want);
}

static enum core_result start_map(struct sim_tmx *t, const XML_Char **atts)
{
	struct sim_map *map = t->ld->map;
	int64_t infinite = 0;
	enum core_result r = sim_tmx_string_attr(t, atts, "orientation", &map->orientation);
	if (r == CORE_OK)
		r = sim_tmx_int_attr(t, "map", atts, "width", 0, &map->width);
	if (r == CORE_OK)
		r = sim_tmx_int_attr(t, "map", atts, "height", 0, &map->height);
	if (r == CORE_OK)
		r = sim_tmx_int_attr(t, "map", atts, "tilewidth", 0, &map->tile_w_px);
	if (r == CORE_OK)
		r = sim_tmx_int_attr(t, "map", atts, "tileheight", 0, &map->tile_h_px);
	if (r == CORE_OK)
		r = sim_tmx_int_attr(t, "map", atts, "infinite", 0, &infinite);
	map->infinite = infinite != 0;
	return r == CORE_OK ? sim_map_check_header(t->ld) : r;
}

/* The document's top element. */
static enum core_result start_root(struct sim_tmx *t, const char *name, const XML_Char **atts,
				   enum sim_tmx_elem *kind)
{
	static const char *const roots[] = {
		[SIM_TMX_DOC_MAP] = "map",
		[SIM_TMX_DOC_TILESET] = "tileset",
		[SIM_TMX_DOC_TEMPLATE] = "template",
	};
	static const char *const nouns[] = {
		[SIM_TMX_DOC_MAP] = "map",
		[SIM_TMX_DOC_TILESET] = "tileset",
		[SIM_TMX_DOC_TEMPLATE] = "object template",
	};
	if (!is(name, roots[t->doc]))
		return sim_tmx_fail(t, "not a Tiled %s (the top element is <%.40s>, not <%s>)",
				    nouns[t->doc], name, roots[t->doc]);
	switch (t->doc) {
	case SIM_TMX_DOC_MAP:
		*kind = SIM_TMX_MAP;
		return start_map(t, atts);
	case SIM_TMX_DOC_TILESET:
		*kind = SIM_TMX_TILESET;
		return read_tileset_attrs(t, atts, t->tileset);
	case SIM_TMX_DOC_TEMPLATE:
		*kind = SIM_TMX_TEMPLATE;
		return CORE_OK;
	}
	return CORE_OK;
}

/* A layer, in the map or in a group. */
static enum core_result start_layer_kind(struct sim_tmx *t, const char *name, const XML_Char **atts,
					 enum sim_tmx_elem *kind)
{
	if (is(name, "layer")) {
		*kind = SIM_TMX_LAYER;
		return start_layer(t, atts, SIM_MAP_TILE_LAYER);
	}
	if (is(name, "objectgroup")) {
		*kind = SIM_TMX_OBJECTGROUP;
		return start_layer(t, atts, SIM_MAP_OBJECT_LAYER);
	}
	if (is(name, "imagelayer")) {
		*kind = SIM_TMX_IMAGELAYER;
		return start_layer(t, atts, SIM_MAP_IMAGE_LAYER);
	}
	if (is(name, "group")) {
		*kind = SIM_TMX_GROUP;
		return start_group(t, atts);
	}
	if (is(name, "properties")) {
		*kind = SIM_TMX_PROPERTIES;
		bool in_map = t->stack[t->depth - 1] == SIM_TMX_MAP;
		t->group_props = (struct sim_map_props){0}; /* checked, then dropped */
		return sim_tmx_start_properties(t, in_map ? &t->ld->map->props : &t->group_props);
	}
	return CORE_OK;
}

/* What an element inside parent is, and its start; SIM_TMX_SKIPPED for all that
 * Lyceum does not read. */
static enum core_result start_child(struct sim_tmx *t, enum sim_tmx_elem parent, const char *name,
				    const XML_Char **atts, enum sim_tmx_elem *kind)
{
	*kind = SIM_TMX_SKIPPED;
	switch (parent) {
	case SIM_TMX_MAP:
		if (is(name, "tileset")) {
			*kind = SIM_TMX_TILESET;
			return start_map_tileset(t, atts, kind);
		}
		return start_layer_kind(t, name, atts, kind);
	case SIM_TMX_GROUP:
		return start_layer_kind(t, name, atts, kind);
	case SIM_TMX_TILESET:
		if (is(name, "tile")) {
			*kind = SIM_TMX_TILE;
			return start_tile(t, atts);
		}
		if (is(name, "tileoffset")) {
			*kind = SIM_TMX_TILEOFFSET;
			return start_tileoffset(t, atts);
		}
		if (is(name, "image")) {
			*kind = SIM_TMX_IMAGE;
			return sim_tmx_string_attr(t, atts, "source", &t->tileset->image);
		}
		return CORE_OK;
	case SIM_TMX_TILE:
		if (is(name, "properties")) {
			*kind = SIM_TMX_PROPERTIES;
			return sim_tmx_start_properties(t, &t->tile->props);
		}
		return CORE_OK;
	case SIM_TMX_LAYER:
		if (is(name, "data")) {
			*kind = SIM_TMX_DATA;
			return start_data(t, atts);
		}
		break; /* properties */
	case SIM_TMX_DATA:
		if (is(name, "chunk"))
			return sim_load_fail(t->ld, "chunked (infinite) tile data is not supported; "
						    "untick Map > Infinite");
		if (is(name, "tile")) {
			*kind = SIM_TMX_DATA_TILE;
			return start_data_tile(t, atts);
		}
		return CORE_OK;
	case SIM_TMX_OBJECTGROUP:
		if (is(name, "object")) {
			*kind = SIM_TMX_OBJECT;
			return sim_tmx_start_layer_object(t, atts);
		}
		break; /* properties */
	case SIM_TMX_OBJECT:
		if (is(name, "properties")) {
			*kind = SIM_TMX_PROPERTIES;
			return sim_tmx_start_properties(t, &t->object->props);
		}
		if (is(name, "point") || is(name, "polygon") || is(name, "ellipse") ||
		    is(name, "polyline") || is(name, "text")) {
			*kind = SIM_TMX_SHAPE;
			return sim_tmx_start_shape(t, name, atts);
		}
		return CORE_OK;
	case SIM_TMX_TEMPLATE:
		if (is(name, "object") && t->template_objects > 0)
			return sim_tmx_fail(t, "a second <object>; a template holds one");
		if (is(name, "object")) {
			*kind = SIM_TMX_OBJECT;
			t->template_objects++;
			return sim_tmx_start_object(t, atts, t->template_out);
		}
		return CORE_OK;
	case SIM_TMX_PROPERTIES:
		if (is(name, "property") && t->props_owner) {
			*kind = SIM_TMX_PROPERTY;
			return sim_tmx_start_property(t, atts);
		}
		return CORE_OK;
	case SIM_TMX_IMAGELAYER:
		break; /* properties */
	default:
		return CORE_OK;
	}
	if (is(name, "properties")) {
		*kind = SIM_TMX_PROPERTIES;
		return sim_tmx_start_properties(t, &t->layer->props);
	}
	return CORE_OK;
}

static void stop(struct sim_tmx *t, enum core_result r)
{
	if (r == CORE_OK || t->r != CORE_OK)
		return;
	t->r = r;
	XML_StopParser(t->parser, XML_FALSE);
}

static void on_start(void *user, const XML_Char *name, const XML_Char **atts)
{
	struct sim_tmx *t = user;
	if (t->r != CORE_OK)
		return;
	int n = 0;
	while (atts[n])
		n++;
	if (t->depth == SIM_TMX_MAX_DEPTH) {
		stop(t, sim_tmx_fail(t, "elements nest deeper than %d; this is not a Tiled file",
				     SIM_TMX_MAX_DEPTH));
		return;
	}
	if (n / 2 > SIM_TMX_MAX_ATTRIBUTES) {
		stop(t, sim_tmx_fail(t, "<%.40s> has %d attributes; Tiled writes at most %d", name, n / 2,
				     SIM_TMX_MAX_ATTRIBUTES));
		return;
	}
	enum sim_tmx_elem kind = SIM_TMX_SKIPPED;
	enum core_result r = CORE_OK;
	if (t->depth == 0)
		r = start_root(t, name, atts, &kind);
	else if (t->stack[t->depth - 1] != SIM_TMX_SKIPPED)
		r = start_child(t, t->stack[t->depth - 1], name, atts, &kind);
	t->stack[t->depth] = kind;
	t->depth++;
	stop(t, r);
}

static void on_end(void *user, const XML_Char *name)
{
	struct sim_tmx *t = user;
	(void)name; /* expat has matched it to its start */
	if (t->r != CORE_OK)
		return;
	t->depth--;
	enum core_result r = CORE_OK;
	switch (t->stack[t->depth]) {
	case SIM_TMX_PROPERTY:
		r = sim_tmx_end_property(t);
		break;
	case SIM_TMX_PROPERTIES:
		t->props_owner = NULL;
		break;
	case SIM_TMX_DATA:
		r = end_data(t);
		break;
	case SIM_TMX_LAYER:
	case SIM_TMX_OBJECTGROUP:
	case SIM_TMX_IMAGELAYER:
		r = end_layer(t);
		break;
	case SIM_TMX_GROUP:
		t->group_depth--;
		t->ld->layer = NULL;
		break;
	case SIM_TMX_OBJECT:
		r = sim_tmx_end_object(t);
		break;
	case SIM_TMX_TILE:
		t->tile = NULL;
		break;
	default:
		break;
	}
	stop(t, r);
}

static void on_doctype(void *user, const XML_Char *name, const XML_Char *sysid,
		       const XML_Char *pubid, int has_internal_subset)
{
	struct sim_tmx *t = user;
	stop(t, sim_tmx_fail(t, "the file has a DOCTYPE; Tiled never writes one and Lyceum reads "
				"none"));
}

static enum core_result parse(struct sim_load *ld, const char *text, size_t size,
			      enum sim_tmx_doc doc, struct sim_map_tileset *ts,
			      struct sim_map_object *template_out)
{
	struct sim_tmx t = {.ld = ld, .doc = doc, .tileset = ts, .template_out = template_out};
	const char *outer_layer = ld->layer; /* a tileset or template read for the map's layer */
	t.group_visible[0] = true;
	t.text_cap = size + 1;
	t.text = malloc(t.text_cap);
	t.parser = XML_ParserCreate(NULL);
	if (!t.text || !t.parser) {
		free(t.text);
		if (t.parser)
			XML_ParserFree(t.parser);
		return sim_load_fail(ld, "out of memory reading XML");
	}
	t.text[0] = '\0';
	XML_SetUserData(t.parser, &t);
	XML_SetElementHandler(t.parser, on_start, on_end);
	XML_SetCharacterDataHandler(t.parser, on_text);
	XML_SetStartDoctypeDeclHandler(t.parser, on_doctype);
	if (XML_Parse(t.parser, text, (int)size, XML_TRUE) == XML_STATUS_ERROR && t.r == CORE_OK)
		t.r = sim_load_fail(ld, "line %lu column %lu: %s",
				    (unsigned long)XML_GetCurrentLineNumber(t.parser),
				    (unsigned long)XML_GetCurrentColumnNumber(t.parser),
				    XML_ErrorString(XML_GetErrorCode(t.parser)));
	if (t.r == CORE_OK && doc == SIM_TMX_DOC_TEMPLATE && t.template_objects == 0)
		t.r = sim_load_fail(ld, "the template holds no <object>");
	XML_ParserFree(t.parser);
	free(t.text);
	ld->layer = outer_layer;
	return t.r;
}

enum core_result sim_tmx_read_map(struct sim_load *ld, const char *text, size_t size)
{
	return parse(ld, text, size, SIM_TMX_DOC_MAP, NULL, NULL);
}

enum core_result sim_tmx_read_tileset(struct sim_load *ld, const char *text, size_t size,
				      struct sim_map_tileset *ts)
{
	return parse(ld, text, size, SIM_TMX_DOC_TILESET, ts, NULL);
}

enum core_result sim_tmx_read_template(struct sim_load *ld, const char *text, size_t size,
				       struct sim_map_object *out)
{
	return parse(ld, text, size, SIM_TMX_DOC_TEMPLATE, NULL, out);
}
