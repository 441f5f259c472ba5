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
