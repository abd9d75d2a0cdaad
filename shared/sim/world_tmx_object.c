/* The TMX reader's objects: properties (of maps, layers, tiles and
 * objects), objects with their shapes, and template instances, whose own
 * attributes and properties go over their template's. */
#include "world_tmx.h"

#include <string.h>

/* ---- properties ----------------------------------------------------------- */

enum core_result sim_tmx_start_properties(struct sim_tmx *t, struct sim_map_props *owner)
{
	t->props_owner = owner;
	if (!owner)
		return CORE_OK;
	if (owner->count > 0)
		return sim_tmx_fail(t, "a second <properties>; merge them into one");
	return CORE_OK;
}

static enum core_result prop_value(struct sim_tmx *t, struct sim_map_prop *p, const char *v)
{
	switch (p->type) {
	case SIM_PROP_INT:
	case SIM_PROP_FLOAT:
	case SIM_PROP_OBJECT:
		if (!sim_tmx_parse_number(v, &p->number))
			return sim_tmx_fail(t, "property '%s' is of type %s but its value '%.40s' is not "
					       "a number",
					    p->name, sim_map_prop_type_name(p->type), v);
		return CORE_OK;
	case SIM_PROP_BOOL:
		if (strcmp(v, "true") && strcmp(v, "false"))
			return sim_tmx_fail(t, "property '%s' is a bool but its value is '%.40s', not "
					       "true or false",
					    p->name, v);
		p->truth = !strcmp(v, "true");
		return CORE_OK;
	case SIM_PROP_STRING:
	case SIM_PROP_COLOR:
	case SIM_PROP_FILE:
		return sim_map_strdup(t->ld, v, &p->text);
	case SIM_PROP_CLASS:
		return CORE_OK;
	}
	return CORE_OK;
}

enum core_result sim_tmx_start_property(struct sim_tmx *t, const XML_Char **atts)
{
	const char *name = sim_tmx_attr(atts, "name");
	const char *type_s = sim_tmx_attr(atts, "type");
	const char *value = sim_tmx_attr(atts, "value");
	struct sim_map_props *owner = t->props_owner;
	if (!name)
		return sim_tmx_fail(t, "property %d has no name", owner->count);
	if (!type_s)
		type_s = "string";
	enum sim_map_prop_type type;
	if (!sim_map_prop_type_parse(type_s, &type))
		return sim_tmx_fail(t, "property '%.40s' has unknown type '%.40s'; use one of string, int, "
				       "float, bool, color, file, object, class",
				    name, type_s);
	struct sim_map_prop *p;
	enum core_result r = sim_map_new_prop(t->ld, owner, &p);
	if (r == CORE_OK)
		r = sim_map_strdup(t->ld, name, &p->name);
	if (r != CORE_OK)
		return r;
	p->type = type;
	if (value)
		return prop_value(t, p, value);
	if (type == SIM_PROP_STRING) { /* a multi-line string is the element's text */
		t->prop = p;
		return sim_tmx_begin_text(t);
	}
	if (type == SIM_PROP_CLASS)
		return CORE_OK;
	return sim_tmx_fail(t, "property '%s' has no value", name);
}

enum core_result sim_tmx_end_property(struct sim_tmx *t)
{
	enum core_result r = CORE_OK;
	if (t->prop)
		r = sim_map_strndup(t->ld, t->text, t->text_len, &t->prop->text);
	t->prop = NULL;
	t->collecting = false;
	return r;
}

/* ---- objects ----------------------------------------------------------------- */

static enum core_result read_polygon(struct sim_tmx *t, const char *points)
{
	struct sim_map_object *o = t->object;
	int count = 0;
	for (const char *s = points; *s; count++) {
		s += strspn(s, " ");
		if (!*s)
			break;
		s += strcspn(s, " ");
	}
	enum core_result r = sim_map_new_points(t->ld, o, count);
	if (r != CORE_OK)
		return r;
	o->shape = SIM_SHAPE_POLYGON;
	const char *s = points;
	for (int i = 0; i < count; i++) {
		char pair[64], *comma;
		s += strspn(s, " ");
		size_t n = strcspn(s, " ");
		if (n >= sizeof(pair))
			return sim_tmx_fail(t, "polygon point %d is not 'x,y'", i);
		memcpy(pair, s, n);
		pair[n] = '\0';
		s += n;
		struct sim_map_xy xy;
		comma = strchr(pair, ',');
		if (!comma)
			return sim_tmx_fail(t, "polygon point %d is not 'x,y'", i);
		*comma = '\0';
		if (!sim_tmx_parse_number(pair, &xy.x) || !sim_tmx_parse_number(comma + 1, &xy.y))
			return sim_tmx_fail(t, "polygon point %d is not two finite numbers", i);
		if (i < SIM_MAX_ZONE_POINTS)
			o->points[i] = xy;
	}
	return CORE_OK;
}

enum core_result sim_tmx_start_shape(struct sim_tmx *t, const char *name, const XML_Char **atts)
{
	if (!strcmp(name, "point")) {
		t->object->shape = SIM_SHAPE_POINT;
		return CORE_OK;
	}
	if (!strcmp(name, "polygon"))
		return read_polygon(t, sim_tmx_attr(atts, "points") ? sim_tmx_attr(atts, "points") : "");
	t->object->shape = SIM_SHAPE_RECT; /* ellipse, polyline, text */
	return CORE_OK;
}

/* An object in a layer (with an id) or a template's (without). */
enum core_result sim_tmx_start_object(struct sim_tmx *t, const XML_Char **atts,
				      struct sim_map_object *o)
{
	struct sim_load *ld = t->ld;
	const char *tmpl_source = sim_tmx_attr(atts, "template");
	enum core_result r = CORE_OK;
	if (tmpl_source && ld->in_template)
		return sim_tmx_fail(t, "a template's object names template '%.40s'; templates do not "
				       "nest",
				    tmpl_source);
	if (tmpl_source) {
		struct sim_map_template *tmpl;
		if ((r = sim_map_template_get(ld, tmpl_source, &tmpl)) != CORE_OK)
			return r;
		sim_map_object_from_template(o, tmpl);
	}
	const char *cls = sim_tmx_attr(atts, "class");
	if (!cls || !cls[0])
		cls = sim_tmx_attr(atts, "type");
	if (cls && cls[0])
		r = sim_map_strdup(ld, cls, &o->cls);
	if (r == CORE_OK)
		r = sim_tmx_int_attr(t, "object", atts, "id", 0, &o->id);
	if (r == CORE_OK)
		r = sim_tmx_string_attr(t, atts, "name", &o->name);
	if (r == CORE_OK)
		r = sim_tmx_number_attr(t, "object", atts, "x", &o->x);
	if (r == CORE_OK)
		r = sim_tmx_number_attr(t, "object", atts, "y", &o->y);
	if (r == CORE_OK)
		r = sim_tmx_number_attr(t, "object", atts, "width", &o->width);
	if (r == CORE_OK)
		r = sim_tmx_number_attr(t, "object", atts, "height", &o->height);
	if (r == CORE_OK)
		r = sim_tmx_number_attr(t, "object", atts, "rotation", &o->rotation_deg);
	t->object = o;
	t->object_base = o->props;
	o->props = (struct sim_map_props){0};
	return r;
}

enum core_result sim_tmx_start_layer_object(struct sim_tmx *t, const XML_Char **atts)
{
	struct sim_map_layer *layer = t->layer;
	struct sim_map_object *o;
	int64_t id = 0;
	/* for messages about it, before anything else is read */
	t->ld->object_id = -1;
	const char *id_s = sim_tmx_attr(atts, "id");
	if (sim_tmx_parse_int(id_s ? id_s : "0", &id) && id >= 0 && id <= UINT32_MAX)
		t->ld->object_id = id;
	enum core_result r = sim_map_new_object(t->ld, layer, &o);
	if (r != CORE_OK)
		return r;
	return sim_tmx_start_object(t, atts, o);
}

enum core_result sim_tmx_end_object(struct sim_tmx *t)
{
	struct sim_map_object *o = t->object;
	enum core_result r = CORE_OK;
	if (o->tmpl)
		r = sim_map_props_inherit(t->ld, &o->props, &t->object_base);
	t->object = NULL;
	if (!t->ld->in_template)
		t->ld->object_id = -1;
	return r;
}
