/* Object templates (.tx, .tj): a file beside the map holding one object
 * that instances start from. An instance keeps its own id and position and
 * replaces whatever else it sets; its properties go over the template's,
 * name by name. Each template file is read once per load. */
#include "world_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum core_result sim_map_template_get(struct sim_load *ld, const char *source,
				      struct sim_map_template **out)
{
	struct sim_map *map = ld->map;
	for (int i = 0; i < map->template_count; i++) {
		if (!strcmp(map->templates[i].source, source)) {
			*out = &map->templates[i];
			return CORE_OK;
		}
	}
	if (map->template_count == SIM_REPORT_MAX_TEMPLATES)
		return sim_load_fail(ld, "more than %d templates; merge some in Tiled",
				     SIM_REPORT_MAX_TEMPLATES);
	char full[1024];
	enum core_result r = sim_load_beside_map(ld, source, "template", full, sizeof(full));
	char *text;
	size_t size;
	if (r == CORE_OK)
		r = sim_load_read_file(ld, full, "template", &text, &size);
	if (r != CORE_OK)
		return r;
	struct sim_map_template *tmpl = &map->templates[map->template_count];
	memset(tmpl, 0, sizeof(*tmpl));
	tmpl->object.cls = "";
	tmpl->object.name = "";
	r = sim_map_strdup(ld, source, &tmpl->source);
	char part[SIM_REPORT_FILE_MAX + 16];
	snprintf(part, sizeof(part), "template '%s'", source);
	const char *outer = ld->part;
	ld->part = part;
	ld->in_template = true;
	if (r == CORE_OK && sim_load_is_xml(text, size)) {
		tmpl->format = SIM_WORLD_XML;
		r = sim_tmx_read_template(ld, text, size, &tmpl->object);
	} else if (r == CORE_OK) {
		tmpl->format = SIM_WORLD_JSON;
		r = sim_json_read_template(ld, text, size, &tmpl->object);
	}
	ld->in_template = false;
	ld->part = outer;
	free(text);
	if (r != CORE_OK)
		return r;
	map->template_count++;
	*out = tmpl;
	return CORE_OK;
}

void sim_map_object_from_template(struct sim_map_object *obj, struct sim_map_template *tmpl)
{
	struct sim_map_object *next = obj->next; /* its place in its layer */
	*obj = tmpl->object;
	obj->next = next;
	obj->id = 0;
	obj->tmpl = tmpl;
	tmpl->uses++;
}

enum core_result sim_map_props_inherit(struct sim_load *ld, struct sim_map_props *own,
				       const struct sim_map_props *base)
{
	for (const struct sim_map_prop *p = base->first; p; p = p->next) {
		struct sim_map_prop *copy;
		if (sim_map_prop_find(own, p->name))
			continue;
		enum core_result r = sim_map_new_prop(ld, own, &copy);
		if (r != CORE_OK)
			return r;
		copy->name = p->name;
		copy->type = p->type;
		copy->text = p->text;
		copy->number = p->number;
		copy->truth = p->truth;
	}
	return CORE_OK;
}
