/* The guest image embedded at build time (-DRV_GUEST=file); empty when the
 * build embeds none. */
.section .guest_images, "a"
.balign 4096
.global guest_image_start
guest_image_start:
#ifdef RV_GUEST_PATH
  .incbin RV_GUEST_PATH
#endif
.global guest_image_end
guest_image_end:

/* The VM configuration embedded at build time (-DRV_CONFIG=file.dts,
 * compiled by dtc); empty when there is none. */
.section .guest_images, "a"
.balign 8
.global config_blob_start
config_blob_start:
#ifdef RV_CONFIG_PATH
  .incbin RV_CONFIG_PATH
#endif
.global config_blob_end
config_blob_end:
