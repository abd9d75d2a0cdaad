/*
 * rnd_pipe.c: the four pipelines (tile sprites, decals, avatars, HUD), their
 * shared layout and the SPIR-V the build compiled from shaders/ with glslc.
 */
#include "rnd_vk.h"

#include <string.h>

static const uint32_t spv_sprite_vert[] =
#include "sprite.vert.inc"
	;
static const uint32_t spv_sprite_cutout_vert[] =
#include "sprite_cutout.vert.inc"
	;
static const uint32_t spv_sprite_cutout_frag[] =
#include "sprite_cutout.frag.inc"
	;
static const uint32_t spv_sprite_blend_frag[] =
#include "sprite.frag.inc"
	;
static const uint32_t spv_avatar_vert[] =
#include "avatar.vert.inc"
	;
static const uint32_t spv_avatar_frag[] =
#include "avatar.frag.inc"
	;
static const uint32_t spv_ui_vert[] =
#include "ui.vert.inc"
	;
static const uint32_t spv_ui_frag[] =
#include "ui.frag.inc"
	;

#define PAIR RND_SHADERS

static enum core_result module(struct rnd *r, const uint32_t *code, size_t size,
			       VkShaderModule *out)
{
	VkShaderModuleCreateInfo ci = {
		.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
		.codeSize = size,
		.pCode = code,
	};
	RND_VK(vkCreateShaderModule(r->device, &ci, NULL, out));
	return CORE_OK;
}

enum core_result rnd_pipeline_make(struct rnd *r, const struct rnd_pipe_desc *d, VkPipeline *out)
{
	VkShaderModule vs = VK_NULL_HANDLE, fs = VK_NULL_HANDLE;
	enum core_result res = module(r, d->shaders.vert, d->shaders.vert_size, &vs);
	if (res == CORE_OK)
		res = module(r, d->shaders.frag, d->shaders.frag_size, &fs);
	if (res != CORE_OK) {
		if (vs)
			vkDestroyShaderModule(r->device, vs, NULL);
		return res;
	}
	VkPipelineShaderStageCreateInfo stages[2] = {
		{.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
		 .stage = VK_SHADER_STAGE_VERTEX_BIT, .module = vs, .pName = "main"},
		{.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
		 .stage = VK_SHADER_STAGE_FRAGMENT_BIT, .module = fs, .pName = "main",
		 .pSpecializationInfo = d->frag_spec},
	};
	VkPipelineVertexInputStateCreateInfo vi = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO,
		.vertexBindingDescriptionCount = d->binding_count,
		.pVertexBindingDescriptions = d->bindings,
		.vertexAttributeDescriptionCount = d->attr_count,
		.pVertexAttributeDescriptions = d->attrs,
	};
	VkPipelineInputAssemblyStateCreateInfo ia = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO,
		.topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST,
	};
	VkPipelineViewportStateCreateInfo vp = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO,
		.viewportCount = 1,
		.scissorCount = 1,
	};
	VkPipelineRasterizationStateCreateInfo rs = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO,
		.polygonMode = VK_POLYGON_MODE_FILL,
		.cullMode = VK_CULL_MODE_NONE,
		.frontFace = VK_FRONT_FACE_COUNTER_CLOCKWISE,
		.lineWidth = 1.0f,
	};
	VkPipelineMultisampleStateCreateInfo ms = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO,
		.rasterizationSamples = d->samples ? d->samples : r->samples,
	};
	VkPipelineDepthStencilStateCreateInfo ds = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_DEPTH_STENCIL_STATE_CREATE_INFO,
		.depthTestEnable = d->depth_test,
		.depthWriteEnable = d->depth_write,
		.depthCompareOp = VK_COMPARE_OP_LESS_OR_EQUAL,
	};
	VkPipelineColorBlendAttachmentState cb = {
		.blendEnable = d->blend,
		.srcColorBlendFactor = VK_BLEND_FACTOR_SRC_ALPHA,
		.dstColorBlendFactor = VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA,
		.colorBlendOp = VK_BLEND_OP_ADD,
		.srcAlphaBlendFactor = VK_BLEND_FACTOR_ONE,
		.dstAlphaBlendFactor = VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA,
		.alphaBlendOp = VK_BLEND_OP_ADD,
		.colorWriteMask = VK_COLOR_COMPONENT_R_BIT | VK_COLOR_COMPONENT_G_BIT |
				  VK_COLOR_COMPONENT_B_BIT | VK_COLOR_COMPONENT_A_BIT,
	};
	VkPipelineColorBlendStateCreateInfo cbs = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO,
		.attachmentCount = 1,
		.pAttachments = &cb,
	};
	VkDynamicState dyn[] = {VK_DYNAMIC_STATE_VIEWPORT, VK_DYNAMIC_STATE_SCISSOR};
	VkPipelineDynamicStateCreateInfo dys = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_DYNAMIC_STATE_CREATE_INFO,
		.dynamicStateCount = 2,
		.pDynamicStates = dyn,
	};
	VkGraphicsPipelineCreateInfo ci = {
		.sType = VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO,
		.stageCount = 2,
		.pStages = stages,
		.pVertexInputState = &vi,
		.pInputAssemblyState = &ia,
		.pViewportState = &vp,
		.pRasterizationState = &rs,
		.pMultisampleState = &ms,
		.pDepthStencilState = &ds,
		.pColorBlendState = &cbs,
		.pDynamicState = &dys,
		.layout = d->layout ? d->layout : r->layout,
		.renderPass = d->pass ? d->pass : r->pass,
	};
	VkResult vr = vkCreateGraphicsPipelines(r->device, VK_NULL_HANDLE, 1, &ci, NULL, out);
	vkDestroyShaderModule(r->device, vs, NULL);
	vkDestroyShaderModule(r->device, fs, NULL);
	if (vr != VK_SUCCESS) {
		CORE_ERROR("Vulkan: creating a pipeline failed (%d)", (int)vr);
		return CORE_ERR_IO;
	}
	return CORE_OK;
}

#define F4 VK_FORMAT_R32G32B32A32_SFLOAT
#define F3 VK_FORMAT_R32G32B32_SFLOAT
#define F1 VK_FORMAT_R32_SFLOAT
#define U8X4 VK_FORMAT_R8G8B8A8_UNORM

enum core_result rnd_layout_make(struct rnd *r, VkShaderStageFlags push_stages, uint32_t push_size,
				 VkPipelineLayout *out)
{
	VkPushConstantRange pcr = {.stageFlags = push_stages, .size = push_size};
	VkPipelineLayoutCreateInfo pci = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
		.setLayoutCount = 1,
		.pSetLayouts = &r->set_layout,
		.pushConstantRangeCount = 1,
		.pPushConstantRanges = &pcr,
	};
	RND_VK(vkCreatePipelineLayout(r->device, &pci, NULL, out));
	return CORE_OK;
}

static enum core_result create_layout(struct rnd *r)
{
	VkDescriptorSetLayoutBinding b = {
		.binding = 0,
		.descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER,
		.descriptorCount = 1,
		.stageFlags = VK_SHADER_STAGE_FRAGMENT_BIT,
	};
	VkDescriptorSetLayoutCreateInfo lci = {
		.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
		.bindingCount = 1,
		.pBindings = &b,
	};
	RND_VK(vkCreateDescriptorSetLayout(r->device, &lci, NULL, &r->set_layout));
	enum core_result res = rnd_layout_make(r, VK_SHADER_STAGE_VERTEX_BIT | VK_SHADER_STAGE_FRAGMENT_BIT,
					       sizeof(struct rnd_push), &r->layout);
	if (res != CORE_OK)
		return res;
	VkDescriptorPoolSize size = {VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 8};
	VkDescriptorPoolCreateInfo dpci = {
		.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
		.flags = VK_DESCRIPTOR_POOL_CREATE_FREE_DESCRIPTOR_SET_BIT,
		.maxSets = 8,
		.poolSizeCount = 1,
		.pPoolSizes = &size,
	};
	RND_VK(vkCreateDescriptorPool(r->device, &dpci, NULL, &r->desc_pool));
	VkSamplerCreateInfo sci = {
		.sType = VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO,
		.magFilter = VK_FILTER_NEAREST,
		.minFilter = VK_FILTER_LINEAR,
		.mipmapMode = VK_SAMPLER_MIPMAP_MODE_NEAREST,
		.addressModeU = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE,
		.addressModeV = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE,
		.addressModeW = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE,
		.maxLod = 0.0f,
	};
	RND_VK(vkCreateSampler(r->device, &sci, NULL, &r->sampler_pixel));
	sci.magFilter = VK_FILTER_LINEAR;
	RND_VK(vkCreateSampler(r->device, &sci, NULL, &r->sampler_linear));
	return CORE_OK;
}

VkDescriptorSet rnd_texture_set(struct rnd *r, const struct rnd_image *img, VkSampler sampler)
{
	VkDescriptorSet set;
	VkDescriptorSetAllocateInfo ai = {
		.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
		.descriptorPool = r->desc_pool,
		.descriptorSetCount = 1,
		.pSetLayouts = &r->set_layout,
	};
	if (vkAllocateDescriptorSets(r->device, &ai, &set) != VK_SUCCESS)
		return VK_NULL_HANDLE;
	VkDescriptorImageInfo ii = {
		.sampler = sampler,
		.imageView = img->view,
		.imageLayout = VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL,
	};
	VkWriteDescriptorSet w = {
		.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
		.dstSet = set,
		.descriptorCount = 1,
		.descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER,
		.pImageInfo = &ii,
	};
	vkUpdateDescriptorSets(r->device, 1, &w, 0, NULL);
	return set;
}

void rnd_avatar_inputs(struct rnd_pipe_desc *d)
{
	static const VkVertexInputBindingDescription b[] = {
		{0, sizeof(struct rnd_avatar_vertex), VK_VERTEX_INPUT_RATE_VERTEX},
		{1, sizeof(struct rnd_avatar_inst), VK_VERTEX_INPUT_RATE_INSTANCE},
	};
	static const VkVertexInputAttributeDescription a[] = {
		{0, 0, F3, offsetof(struct rnd_avatar_vertex, pos)},
		{1, 0, F3, offsetof(struct rnd_avatar_vertex, normal)},
		{2, 0, F1, offsetof(struct rnd_avatar_vertex, part)},
		{3, 1, F4, offsetof(struct rnd_avatar_inst, place)},
		{4, 1, F4, offsetof(struct rnd_avatar_inst, colour)},
		{5, 1, F4, offsetof(struct rnd_avatar_inst, anim)},
	};
	d->bindings = b;
	d->binding_count = 2;
	d->attrs = a;
	d->attr_count = 6;
}

enum core_result rnd_pipelines_create(struct rnd *r)
{
	enum core_result res = create_layout(r);
	if (res != CORE_OK)
		return res;

	const VkVertexInputBindingDescription sprite_b = {0, sizeof(struct rnd_sprite_inst),
							  VK_VERTEX_INPUT_RATE_INSTANCE};
	const VkVertexInputAttributeDescription sprite_a[] = {
		{0, 0, F4, offsetof(struct rnd_sprite_inst, rect)},
		{1, 0, F4, offsetof(struct rnd_sprite_inst, uv)},
		{2, 0, F4, offsetof(struct rnd_sprite_inst, info)},
		{3, 0, U8X4, offsetof(struct rnd_sprite_inst, tint)},
	};
	struct rnd_pipe_desc sprite = {
		.shaders = PAIR(spv_sprite_cutout_vert, spv_sprite_cutout_frag),
		.bindings = &sprite_b, .binding_count = 1,
		.attrs = sprite_a, .attr_count = 4,
		.depth_test = true, .depth_write = true,
	};
	if ((res = rnd_pipeline_make(r, &sprite, &r->pipe_sprite)) != CORE_OK)
		return res;
	struct rnd_pipe_desc decal = sprite;
	decal.shaders = (struct rnd_shader_pair)PAIR(spv_sprite_vert, spv_sprite_blend_frag);
	decal.depth_write = false;
	decal.blend = true;
	if ((res = rnd_pipeline_make(r, &decal, &r->pipe_decal)) != CORE_OK)
		return res;

	struct rnd_pipe_desc avatar = {
		.shaders = PAIR(spv_avatar_vert, spv_avatar_frag),
		.depth_test = true, .depth_write = true,
	};
	rnd_avatar_inputs(&avatar);
	if ((res = rnd_pipeline_make(r, &avatar, &r->pipe_avatar)) != CORE_OK)
		return res;

	const VkVertexInputBindingDescription ui_b = {0, sizeof(struct rnd_ui_inst),
						      VK_VERTEX_INPUT_RATE_INSTANCE};
	const VkVertexInputAttributeDescription ui_a[] = {
		{0, 0, F4, offsetof(struct rnd_ui_inst, rect)},
		{1, 0, F4, offsetof(struct rnd_ui_inst, uv)},
		{2, 0, F4, offsetof(struct rnd_ui_inst, extra)},
		{3, 0, U8X4, offsetof(struct rnd_ui_inst, colour)},
	};
	struct rnd_pipe_desc ui = {
		.shaders = PAIR(spv_ui_vert, spv_ui_frag),
		.bindings = &ui_b, .binding_count = 1,
		.attrs = ui_a, .attr_count = 4,
		.blend = true,
	};
	if ((res = rnd_pipeline_make(r, &ui, &r->pipe_ui)) != CORE_OK)
		return res;

	/* The avatar figure: built once, shared by every instance. */
	struct rnd_avatar_vertex verts[512];
	r->mesh_vertices = rnd_avatar_mesh(verts, CORE_ARRAY_LEN(verts));
	if ((res = rnd_buffer_create(r, sizeof(verts[0]) * r->mesh_vertices,
				     VK_BUFFER_USAGE_VERTEX_BUFFER_BIT, &r->mesh)) != CORE_OK)
		return res;
	memcpy(r->mesh.map, verts, sizeof(verts[0]) * r->mesh_vertices);
	return CORE_OK;
}

void rnd_pipelines_destroy(struct rnd *r)
{
	VkPipeline *pipes[] = {&r->pipe_sprite, &r->pipe_decal, &r->pipe_avatar, &r->pipe_ui};
	for (size_t i = 0; i < CORE_ARRAY_LEN(pipes); i++)
		if (*pipes[i])
			vkDestroyPipeline(r->device, *pipes[i], NULL);
	if (r->layout)
		vkDestroyPipelineLayout(r->device, r->layout, NULL);
	if (r->desc_pool)
		vkDestroyDescriptorPool(r->device, r->desc_pool, NULL);
	if (r->set_layout)
		vkDestroyDescriptorSetLayout(r->device, r->set_layout, NULL);
	if (r->sampler_pixel)
		vkDestroySampler(r->device, r->sampler_pixel, NULL);
	if (r->sampler_linear)
		vkDestroySampler(r->device, r->sampler_linear, NULL);
}
