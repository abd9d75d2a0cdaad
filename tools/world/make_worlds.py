#!/usr/bin/env python3
"""Writes the shipped worlds and their tileset (run by hand after editing;
the outputs are committed, so neither the build nor the tests need Python).

  tools/world/make_worlds.py            writes assets/worlds/* and tests/data/worlds/grid.tmj

The classroom is laid out in tiles of 0.5 m. World axes: x along columns,
y along rows. Facing: 0 deg = +x, 90 deg = +y (the board is at row 0, so
students face 270 deg).
"""
import json, os, struct, zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
TW, TH = 64, 32   # map grid: isometric 2:1
IMG_W, IMG_H = 64, 128  # tileset tile images: tall, so furniture and walls stand up
Z_PX_PER_M = 72         # vertical pixels per metre (shaders/config.h RND_Z_PX_PER_M)

# Tileset: id -> (name, blocked, top colour, side colour or None, height m, inset)
# inset: the block's footprint shrinks by this share of the tile on every side.
TILES = [
    ("wood",    False, (196, 160, 116), None, 0, 0),
    ("carpet",  False, (96, 120, 150), None, 0, 0),
    ("hall",    False, (180, 180, 172), None, 0, 0),
    ("wall",    True,  (232, 228, 216), (176, 164, 150), 1.0, 0),
    ("desk",    True,  (168, 118, 74), (120, 82, 50), 0.72, 0.06),
    ("chair",   False, (74, 92, 112), (52, 64, 80), 0.42, 0.28),
    ("stage",   False, (132, 96, 64), (96, 68, 46), 0.2, 0),
    ("board",   True,  (246, 248, 250), (54, 78, 66), 1.3, 0.1),
    ("doorway", False, (140, 110, 80), None, 0, 0),
    ("plant",   True,  (72, 150, 84), (104, 78, 56), 0.9, 0.2),
    ("table",   True,  (176, 134, 92), (124, 92, 62), 0.72, 0.04),
    ("lectern", True,  (118, 76, 44), (84, 54, 32), 1.05, 0.2),
]
T = {name: i for i, (name, *_rest) in enumerate(TILES)}


def png(path, w, h, pixels):
    raw = b"".join(b"\x00" + bytes(pixels[y * w * 4:(y + 1) * w * 4]) for y in range(h))
    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c) & 0xffffffff)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def inside(poly, x, y):
    """Point in a convex polygon given clockwise on screen."""
    n = len(poly)
    for i in range(n):
        ax, ay = poly[i]
        bx, by = poly[(i + 1) % n]
        if (bx - ax) * (y - ay) - (by - ay) * (x - ax) < 0:
            return False
    return True


def edge_distance(poly, x, y):
    best = 1e9
    n = len(poly)
    for i in range(n):
        ax, ay = poly[i]
        bx, by = poly[(i + 1) % n]
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
        best = min(best, ((x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2) ** 0.5)
    return best


# Furniture drawn as several boxes: (u0, u1, v0, v1) of the tile, z0..z1 in
# metres, top and side colours. Tiles not listed are one box (TILES).
def legs(u0, u1, v0, v1, z, size, colour):
    return [(a, a + size, b, b + size, 0.0, z, colour, colour)
            for a in (u0, u1 - size) for b in (v0, v1 - size)]


SHAPES = {
    "desk": legs(0.08, 0.92, 0.08, 0.92, 0.68, 0.07, (96, 70, 48)) +
            [(0.04, 0.96, 0.04, 0.96, 0.68, 0.74, (186, 136, 90), (128, 90, 58))],
    "table": legs(0.06, 0.94, 0.06, 0.94, 0.68, 0.08, (104, 76, 52)) +
             [(0.0, 1.0, 0.0, 1.0, 0.68, 0.74, (190, 146, 100), (132, 98, 66))],
    "chair": legs(0.26, 0.74, 0.26, 0.74, 0.40, 0.06, (44, 52, 62)) +
             [(0.24, 0.76, 0.24, 0.76, 0.40, 0.45, (84, 110, 140), (56, 72, 92))],
    "plant": [(0.3, 0.7, 0.3, 0.7, 0.0, 0.32, (150, 96, 64), (112, 70, 46)),
              (0.16, 0.84, 0.16, 0.84, 0.32, 0.95, (76, 156, 88), (52, 118, 64))],
}


def box_faces(u0, u1, v0, v1, z0, z1, top, side):
    """Screen polygons of a box's visible faces (left, right, top), tile-local."""
    cx, base = IMG_W / 2, IMG_H - TH  # the ground diamond's top corner

    def pt(u, v, z):
        return (cx + (u - v) * TW / 2, base + (u + v) * TH / 2 - z * Z_PX_PER_M)

    lift = [pt(u0, v0, z1), pt(u1, v0, z1), pt(u1, v1, z1), pt(u0, v1, z1)]
    faces = []
    if side and z1 > z0:
        faces.append(([pt(u0, v1, z1), pt(u1, v1, z1), pt(u1, v1, z0), pt(u0, v1, z0)], side, 1.0))
        faces.append(([pt(u1, v1, z1), pt(u1, v0, z1), pt(u1, v0, z0), pt(u1, v1, z0)], side, 0.78))
    faces.append((lift, top, 1.0))
    return faces


def tileset_image(path):
    cols = 4
    rows = (len(TILES) + cols - 1) // cols
    w, h = cols * IMG_W, rows * IMG_H
    px = [0] * (w * h * 4)
    for idx, (name, _b, top, side, height_m, inset) in enumerate(TILES):
        ox, oy = (idx % cols) * IMG_W, (idx // cols) * IMG_H
        boxes = SHAPES.get(name) or [(inset, 1 - inset, inset, 1 - inset, 0.0, height_m, top, side)]
        # painter's order: farther (smaller u + v), then lower, first
        boxes = sorted(boxes, key=lambda b: (b[0] + b[1] + b[2] + b[3], b[4]))
        faces = []
        for b in boxes:
            faces += box_faces(*b)
        for y in range(IMG_H):
            for x in range(IMG_W):
                fx, fy = x + 0.5, y + 0.5
                colour = None
                for poly, c, shade in faces:
                    if inside(poly, fx, fy):
                        edge = edge_distance(poly, fx, fy) < 1.0
                        f = shade * (0.82 if edge else 1.0)
                        colour = tuple(max(0, min(255, int(v * f))) for v in c)
                if colour:
                    i = ((oy + y) * w + ox + x) * 4
                    px[i:i + 4] = [colour[0], colour[1], colour[2], 255]
    png(path, w, h, px)
    return w, h, cols


def tileset_json(image_name, w, h, cols):
    tiles = []
    for i, (name, blocked, *_rest) in enumerate(TILES):
        tiles.append({"id": i, "type": name,
                      "properties": [{"name": "blocked", "type": "bool", "value": blocked}]})
    return {"type": "tileset", "version": "1.10", "tiledversion": "1.10.2",
            "name": "classroom", "tilewidth": IMG_W, "tileheight": IMG_H,
            "tilecount": len(TILES), "columns": cols, "spacing": 0, "margin": 0,
            "image": image_name, "imagewidth": w, "imageheight": h,
            "tileoffset": {"x": 0, "y": 0}, "grid": {"orientation": "isometric",
                                                     "width": TW, "height": TH},
            "tiles": tiles}


class Map:
    def __init__(self, w, h, mpt):
        self.w, self.h, self.mpt = w, h, mpt
        self.layers = {}
        self.objects = {}
        self.next_id = 1

    def layer(self, name):
        return self.layers.setdefault(name, [0] * (self.w * self.h))

    def fill(self, name, x0, y0, x1, y1, tile):
        lay = self.layer(name)
        for y in range(y0, y1):
            for x in range(x0, x1):
                lay[y * self.w + x] = 0 if tile is None else tile + 1

    def obj(self, layer, cls, name="", **kw):
        o = {"id": self.next_id, "name": name, "type": cls, "visible": True,
             "rotation": 0, "x": 0, "y": 0, "width": 0, "height": 0}
        o.update(kw)
        self.next_id += 1
        self.objects.setdefault(layer, []).append(o)
        return o

    # Object coordinates: isometric maps store them in a space where a tile is
    # TH x TH pixels.
    def point(self, layer, cls, tx, ty, name="", props=None):
        return self.obj(layer, cls, name, x=tx * TH, y=ty * TH, point=True,
                        properties=props or [])

    def rect(self, layer, cls, tx0, ty0, tx1, ty1, name="", props=None):
        return self.obj(layer, cls, name, x=tx0 * TH, y=ty0 * TH, width=(tx1 - tx0) * TH,
                        height=(ty1 - ty0) * TH, properties=props or [])

    def to_json(self, tilesets):
        layers, lid = [], 1
        for name, data in self.layers.items():
            layers.append({"id": lid, "name": name, "type": "tilelayer", "x": 0, "y": 0,
                           "width": self.w, "height": self.h, "opacity": 1, "visible": True,
                           "data": data})
            lid += 1
        for name, objs in self.objects.items():
            layers.append({"id": lid, "name": name, "type": "objectgroup", "x": 0, "y": 0,
                           "opacity": 1, "visible": True, "draworder": "topdown",
                           "objects": objs})
            lid += 1
        return {"type": "map", "version": "1.10", "tiledversion": "1.10.2",
                "orientation": "isometric", "renderorder": "right-down",
                "width": self.w, "height": self.h, "tilewidth": TW, "tileheight": TH,
                "infinite": False, "nextlayerid": lid, "nextobjectid": self.next_id,
                "properties": [{"name": "metres_per_tile", "type": "float",
                                "value": self.mpt}] +
                              ([{"name": "free_spawn", "type": "bool", "value": True}]
                               if getattr(self, "free_spawn", False) else []),
                "tilesets": tilesets, "layers": layers}


def facing(deg):
    return [{"name": "facing", "type": "float", "value": float(deg)}]


def zone(kind):
    return [{"name": "kind", "type": "string", "value": kind}]


def classroom():
    m = Map(33, 36, 0.5)
    # floors
    m.fill("floor", 0, 0, 33, 36, T["hall"])
    m.fill("floor", 1, 1, 28, 24, T["wood"])
    m.fill("floor", 1, 25, 28, 35, T["carpet"])
    m.fill("floor", 1, 1, 28, 5, T["stage"])
    m.fill("floor", 28, 11, 29, 13, T["doorway"])
    m.fill("floor", 28, 29, 29, 31, T["doorway"])
    # walls: outer ring, classroom/hallway wall (x=28), classroom/meeting wall (y=24)
    for (x0, y0, x1, y1) in [(0, 0, 33, 1), (0, 35, 33, 36), (0, 0, 1, 36), (32, 0, 33, 36),
                             (28, 0, 29, 36), (0, 24, 29, 25)]:
        m.fill("walls", x0, y0, x1, y1, T["wall"])
    m.fill("walls", 28, 11, 29, 13, None)   # classroom door
    m.fill("walls", 28, 29, 29, 31, None)   # meeting room door
    m.fill("walls", 8, 0, 20, 1, T["board"])
    # furniture: lectern, 5 rows x 2 blocks of desks with 5 chairs each, plants
    m.fill("furniture", 13, 3, 15, 4, T["lectern"])
    seats = []
    for row in range(5):
        dy = 7 + row * 3
        for x0 in (3, 15):
            m.fill("furniture", x0, dy, x0 + 10, dy + 1, T["desk"])
            for k in range(5):
                sx = x0 + k * 2
                m.fill("furniture", sx, dy + 1, sx + 1, dy + 2, T["chair"])
                seats.append((sx + 0.5, dy + 1.5, 270))
    for (px, py) in [(1, 23), (27, 1), (1, 25), (31, 34)]:
        m.fill("furniture", px, py, px + 1, py + 1, T["plant"])
    # meeting room table with 8 chairs
    m.fill("furniture", 10, 28, 18, 32, T["table"])
    for sx in (11, 13, 15, 17):
        m.fill("furniture", sx, 27, sx + 1, 28, T["chair"])
        m.fill("furniture", sx, 32, sx + 1, 33, T["chair"])
    meeting_seats = [(sx + 0.5, 27.5, 90) for sx in (11, 13, 15, 17)] + \
                    [(sx + 0.5, 32.5, 270) for sx in (11, 13, 15, 17)]
    # zones
    m.rect("zones", "Zone", 1, 1, 28, 24, "classroom", zone("classroom"))
    m.rect("zones", "Zone", 1, 25, 28, 35, "meeting", zone("meeting_room"))
    m.rect("zones", "Zone", 29, 1, 32, 35, "hallway", zone("hallway"))
    # seats, doors, spawns, board, items
    for (x, y, f) in seats + meeting_seats:
        m.point("seats", "Seat", x, y, props=facing(f))
    m.rect("doors", "Door", 28, 11, 29, 13, "classroom-door")
    m.rect("doors", "Door", 28, 29, 29, 31, "meeting-door")
    m.point("spawns", "Spawn", 26.5, 12)   # just inside the door
    m.point("spawns", "Spawn", 14, 22)
    m.point("spawns", "Spawn", 22, 30)
    m.point("spawns", "Spawn", 30.5, 6)
    m.rect("boards", "Board", 8, 1, 20, 1.5, "front-board", facing(90))
    m.point("items", "Item", 12.5, 3.5, "globe")
    m.point("items", "Item", 14, 30, "marker")
    return m


def lecture_hall():
    """A raked lecture hall for 280: ten tiers rising away from a stage with two
    boards and a lectern, a central and two side aisles, two doors at the top
    of the rake into a foyer. One zone holds the stage and every seat."""
    m = Map(40, 53, 0.5)
    hall_x0, hall_x1 = 1, 39                 # inside the side walls
    blocks = ((4, 18), (22, 36))             # seat blocks: side aisles 1-3 and 36-38, centre 18-21
    tiers, tier_y0, pitch = 10, 10, 3        # each tier: desk row, chair row, walking row
    back_y = tier_y0 + tiers * pitch         # cross aisle at the top of the rake
    wall_y = back_y + 3                      # hall/foyer wall
    # floors: stage, the pit in front of the first row, one colour per tier
    # (the rake: alternate tiers read as steps in the aisles), cross aisle, foyer
    m.fill("floor", 0, 0, 40, 53, T["hall"])
    m.fill("floor", hall_x0, 1, hall_x1, 7, T["stage"])
    m.fill("floor", hall_x0, 7, hall_x1, tier_y0, T["wood"])
    for t in range(tiers):
        y = tier_y0 + t * pitch
        m.fill("floor", hall_x0, y, hall_x1, y + pitch, T["carpet"] if t % 2 == 0 else T["hall"])
    m.fill("floor", hall_x0, back_y, hall_x1, wall_y, T["wood"])
    doors = ((2, 6), (34, 38))               # 2 m each, at the top of the side aisles
    for (x0, x1) in doors:
        m.fill("floor", x0, wall_y, x1, wall_y + 1, T["doorway"])
    # walls: outer ring and the hall/foyer wall with its two doors; boards on the front wall
    for (x0, y0, x1, y1) in [(0, 0, 40, 1), (0, 52, 40, 53), (0, 0, 1, 53), (39, 0, 40, 53),
                             (0, wall_y, 40, wall_y + 1)]:
        m.fill("walls", x0, y0, x1, y1, T["wall"])
    for (x0, x1) in doors:
        m.fill("walls", x0, wall_y, x1, wall_y + 1, None)
    boards = ((5, 19), (21, 35))             # 7 m each either side of the centre line
    for (x0, x1) in boards:
        m.fill("walls", x0, 0, x1, 1, T["board"])
    # stage: lectern on the centre line, a demonstration table, plants at the corners
    m.fill("furniture", 19, 3, 21, 4, T["lectern"])
    m.fill("furniture", 8, 3, 12, 4, T["table"])
    for (px, py) in [(1, 1), (38, 1), (1, 44), (38, 44), (1, 51), (38, 51)]:
        m.fill("furniture", px, py, px + 1, py + 1, T["plant"])
    # tiers: a desk row with a chair behind every tile of it, 14 a block and row
    seats = []
    for t in range(tiers):
        y = tier_y0 + t * pitch
        for (x0, x1) in blocks:
            m.fill("furniture", x0, y, x1, y + 1, T["desk"])
            m.fill("furniture", x0, y + 1, x1, y + 2, T["chair"])
            seats += [(x + 0.5, y + 1.5, 270) for x in range(x0, x1)]
    # foyer: two standing tables
    for x0 in (14, 24):
        m.fill("furniture", x0, 47, x0 + 2, 49, T["table"])
    # zones: the stage and every seat in one
    m.rect("zones", "Zone", hall_x0, 1, hall_x1, wall_y, "hall", zone("classroom"))
    m.rect("zones", "Zone", hall_x0, wall_y + 1, hall_x1, 52, "foyer", zone("hallway"))
    for (x, y, f) in seats:
        m.point("seats", "Seat", x, y, props=facing(f))
    m.rect("doors", "Door", 2, wall_y, 6, wall_y + 1, "west-door")
    m.rect("doors", "Door", 34, wall_y, 38, wall_y + 1, "east-door")
    # spawns: inside both doors, along the cross aisle, down the three aisles, the pit
    for (x, y) in [(4, 41.5), (36, 41.5), (12, 41.5), (20, 41.5), (28, 41.5),
                   (20, 34), (20, 25), (20, 16), (2.5, 31), (37.5, 31), (2.5, 19),
                   (37.5, 19), (10, 8.5), (30, 8.5)]:
        m.point("spawns", "Spawn", x, y)
    for (x, y) in [(4, 46.5), (36, 46.5), (20, 50)]:
        m.point("spawns", "Spawn", x, y)
    for (x0, x1) in boards:
        m.rect("boards", "Board", x0, 1, x1, 1.5, "left-board" if x0 < 20 else "right-board",
               facing(90))
    m.point("items", "Item", 20, 2.5, "microphone")
    m.point("items", "Item", 10, 2.5, "clicker")
    m.point("items", "Item", 5.5, 1.5, "marker")
    return m


def bench_open():
    m = Map(20, 15, 1.0)
    m.free_spawn = True
    m.fill("floor", 0, 0, 20, 15, T["wood"])
    m.rect("zones", "Zone", 0, 0, 20, 15, "floor", zone("classroom"))
    m.point("spawns", "Spawn", 10, 7.5)
    return m


def grid():
    """Test map: 10x8 tiles of 2 m; every object sits on a known tile."""
    m = Map(10, 8, 2.0)
    m.fill("floor", 0, 0, 10, 8, T["wood"])
    m.fill("walls", 5, 0, 6, 8, T["wall"])
    m.fill("walls", 5, 3, 6, 5, None)                  # a 2-tile opening
    m.fill("furniture", 2, 6, 3, 7, T["desk"])          # blocked by tile property
    m.fill("furniture", 3, 6, 4, 7, T["chair"])         # not blocked
    m.rect("zones", "Zone", 0, 0, 5, 8, "left", zone("classroom"))
    poly = m.obj("zones", "Zone", "right", x=6 * TH, y=0, polygon=[
        {"x": 0, "y": 0}, {"x": 4 * TH, "y": 0}, {"x": 4 * TH, "y": 8 * TH}, {"x": 0, "y": 8 * TH}],
        properties=zone("hallway"))
    poly["class"] = poly.pop("type")                    # Tiled 1.9+ spelling
    m.point("objects", "Seat", 3.5, 2.5, props=facing(90))
    m.point("objects", "Spawn", 1.5, 1.5)
    m.point("objects", "Spawn", 7.5, 6.5)
    m.rect("objects", "Door", 5, 3, 6, 5, "gap")
    m.rect("objects", "Board", 1, 0, 4, 0.5, "board", facing(90))
    m.point("objects", "Item", 8.25, 1.75, "cube")
    return m


def race():
    """Test map: one seat that two avatars spawning side by side can both reach."""
    m = Map(6, 6, 1.0)
    m.fill("floor", 0, 0, 6, 6, T["wood"])
    m.rect("zones", "Zone", 0, 0, 6, 6, "room", zone("classroom"))
    m.point("objects", "Seat", 2.7, 2.7, props=facing(270))
    m.point("objects", "Spawn", 3.0, 3.0)
    return m


def main():
    worlds = os.path.join(ROOT, "assets", "worlds")
    os.makedirs(worlds, exist_ok=True)
    w, h, cols = tileset_image(os.path.join(worlds, "classroom-tiles.png"))
    ts = tileset_json("classroom-tiles.png", w, h, cols)
    with open(os.path.join(worlds, "classroom.tsj"), "w") as f:
        json.dump(ts, f, indent=1)
    external = [{"firstgid": 1, "source": "classroom.tsj"}]
    for name, m in (("classroom", classroom()), ("bench-open", bench_open()),
                    ("lecture-hall", lecture_hall())):
        with open(os.path.join(worlds, name + ".tmj"), "w") as f:
            json.dump(m.to_json(external), f, separators=(",", ":"))
    test_dir = os.path.join(ROOT, "tests", "data", "worlds")
    os.makedirs(test_dir, exist_ok=True)
    embedded = dict(ts, firstgid=1, image="../../../assets/worlds/classroom-tiles.png")
    del embedded["type"], embedded["version"], embedded["tiledversion"]
    for name, m in (("grid", grid()), ("race", race())):
        with open(os.path.join(test_dir, name + ".tmj"), "w") as f:
            json.dump(m.to_json([embedded]), f, indent=1)


if __name__ == "__main__":
    main()
