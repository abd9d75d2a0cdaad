#!/bin/sh
# Seeds for fuzz_world, as authors save worlds: the JSON worlds, the
# tileset as Tiled's TSX, the two templates, and the grid test map as the
# real Tiled writes it, TMX and JSON, in every tile layer format (CSV, XML,
# base64 uncompressed, zlib, gzip, zstd), with its tileset embedded or as
# TSX, and with a seat template. Run by update_seeds.sh; needs tiled
# (tools/deps.sh) and python3.
#
# Tiled writes every layer in the format of the last tile layer it read, so
# each seed ends with an empty layer "format" in the format wanted: the
# conversions hold four tile layers, the grid's three and that one.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/tests/fuzz/corpus/fuzz_world
mkdir -p "$out"
cp "$root"/assets/worlds/*.tmj "$root"/tests/data/worlds/*.tmj "$out"/
cp "$root"/tests/data/worlds/seat.tx "$root"/tests/data/worlds/seat.tj "$out"/
command -v tiled >/dev/null || { echo "world_seeds: tiled is missing: run tools/deps.sh" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$work" XDG_CONFIG_HOME="$work" HOME="$work"
cp "$root"/assets/worlds/classroom.tsj "$root"/assets/worlds/classroom-tiles.png .
cp "$root"/tests/data/worlds/seat.tx .
tiled --export-tileset tsx classroom.tsj classroom.tsx 2>/dev/null
cp classroom.tsx "$out"/

python3 - "$root/tests/data/worlds/grid.tmj" <<'EOF'
import copy, json, sys
grid = json.load(open(sys.argv[1]))
for layer in grid["layers"]:          # Tiled 1.8 reads an object's class from "type"
    for o in layer.get("objects", []):
        if "class" in o:
            o["type"] = o.pop("class")
grid["tilesets"][0]["image"] = "classroom-tiles.png"

def save(name, m):
    with open(name, "w") as f:
        json.dump(m, f)

for fmt, enc, comp in (("csv", "csv", None), ("base64", "base64", None),
                       ("zlib", "base64", "zlib"), ("gzip", "base64", "gzip"),
                       ("zstd", "base64", "zstd")):
    m = copy.deepcopy(grid)
    last = {"type": "tilelayer", "name": "format", "width": 10, "height": 8, "x": 0, "y": 0,
            "visible": True, "opacity": 1, "encoding": enc}
    if comp:
        last["compression"] = comp
    m["layers"].append(last)
    save("seed-%s.tmj" % fmt, m)
m = copy.deepcopy(grid)
m["tilesets"] = [{"firstgid": 1, "source": "classroom.tsx"}]
save("seed-tsx.tmj", m)
m = copy.deepcopy(grid)
for layer in m["layers"]:
    for i, o in enumerate(layer.get("objects", [])):
        if o.get("type") == "Seat":
            layer["objects"][i] = {"id": o["id"], "template": "seat.tx", "x": o["x"], "y": o["y"],
                                   "properties": o["properties"]}
save("seed-templates.tmj", m)
EOF

# Tiled writes paths relative to where it writes: it writes here, beside
# the tileset and the template, and the seeds are copied out after
for f in csv base64 zlib gzip zstd; do
	tiled --export-map tmx "seed-$f.tmj" "grid-$f.tmx" 2>/dev/null
	tiled --export-map json "seed-$f.tmj" "grid-$f.json" 2>/dev/null
done
# XML layer data: the CSV TMX with the last layer's data as <tile> elements
sed 's|<layer id="\([0-9]*\)" name="format" width="10" height="8">|&<data/>|' grid-csv.tmx |
	awk '/name="format"/ { print; skip = 1; next }
		skip && /<\/layer>/ { skip = 0 } !skip' >seed-xml.tmx
tiled --export-map tmx seed-xml.tmx grid-xml.tmx 2>/dev/null
tiled --export-map tmx seed-tsx.tmj grid-tsx.tmx 2>/dev/null
tiled --export-map tmx seed-templates.tmj grid-templates.tmx 2>/dev/null
tiled --minimize --export-map json seed-templates.tmj grid-templates.json 2>/dev/null
cp grid-*.tmx grid-*.json "$out"/
