/*
 * config.h: limits and layouts shared by the C renderer and the GLSL
 * shaders (niagara's config.h idea). Only #defines: both languages read it.
 *
 * Coordinates: world metres (x along tile columns, y along rows, z up) are
 * projected to "iso pixels" as Tiled draws the map at zoom 1:
 *   px = (x - y) * iso.x,   py = (x + y) * iso.y - z * iso.z
 * Depth sorts by key = x + y (larger is nearer the viewer), so a tile sprite
 * and an avatar standing in front of it order as a painter would.
 */
#ifndef LYCEUM_SHADER_CONFIG_H
#define LYCEUM_SHADER_CONFIG_H

#define RND_FRAMES_IN_FLIGHT 2
#define RND_MAX_AVATARS 256        /* one instanced draw; the client holds at most this many */
#define RND_MAX_DECALS 2048        /* shadows, seat and door markers per frame */
#define RND_MAX_UI_QUADS 16384     /* glyphs and HUD rectangles per frame */
#define RND_MAX_STATIC_SPRITES (256 * 256 * 3)

#define RND_Z_PX_PER_M 72.0        /* vertical iso pixels per metre (tileset art uses it) */
#define RND_DEPTH_NEAR 0.02        /* key range maps into [NEAR, FAR] */
#define RND_DEPTH_FAR 0.98
#define RND_DEPTH_FLOOR 0.995      /* flat floor tiles: behind everything standing */
#define RND_AVATAR_SELF_DEPTH 0.1  /* an avatar's own extent, squeezed to this share of a metre of key */
#define RND_AVATAR_KEY_BIAS 0.02   /* an avatar wins a tie with the tile it stands on */

/* sprite instance flags (float in the shader, compared with > x - 0.5) */
#define RND_SPRITE_FLOOR 1.0       /* drawn at RND_DEPTH_FLOOR */
#define RND_SPRITE_CUTAWAY 2.0     /* walls: dithered away near and in front of the local avatar */
#define RND_SPRITE_WALL_IMAGE 3.0  /* a board on its wall: the quad's top edge runs info.z px down
				      per px across, its key from info.x (left) to info.w (right) */
#define RND_BOARD_IMAGES 8         /* boards with an image of their own (SIM_BOARDS: every
				      board); their wall quads take the last decal slots */

/* avatar parts (vertex attribute "part") */
#define RND_PART_LEG_L 0.0
#define RND_PART_LEG_R 1.0
#define RND_PART_TORSO 2.0
#define RND_PART_HEAD 3.0
#define RND_PART_FACE 4.0
#define RND_PART_ARM_L 5.0
#define RND_PART_ARM_R 6.0

/* avatar instance flags */
#define RND_AV_SITTING 1.0
#define RND_AV_WALKING 2.0

/* ui quad modes */
#define RND_UI_GLYPH 0.0           /* alpha from the font atlas */
#define RND_UI_RECT 1.0            /* solid, rounded by extra.x pixels */
#define RND_UI_RING 2.0            /* circle outline, extra.x = line width */
#define RND_UI_IMAGE 3.0           /* an image (a board), tinted by the colour */

#endif
