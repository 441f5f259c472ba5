/* Numbers of the virtio 1.2 specification that both sides use: the
 * hypervisor's own drivers of the host's devices (hv/drivers) and the
 * devices it gives guests (hv/dev/virtio). Definitions only. */
#ifndef RV_VIRTIO_SPEC_H
#define RV_VIRTIO_SPEC_H

/* 2.1 Device Status Field. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED 128u

/* 6 Reserved Feature Bits. */
#define VIRTIO_F_INDIRECT_DESC (1ull << 28)
#define VIRTIO_F_EVENT_IDX (1ull << 29)
#define VIRTIO_F_VERSION_1 (1ull << 32)

/* 4.2.2 MagicValue ("virt") and 5 Device Types. */
#define VIRTIO_MMIO_MAGIC 0x74726976u
#define VIRTIO_ID_BLOCK 2u

/* 5.2.6 Block device requests: types and status values. */
#define VIRTIO_BLK_T_IN 0u
#define VIRTIO_BLK_T_OUT 1u
#define VIRTIO_BLK_T_FLUSH 4u
#define VIRTIO_BLK_T_GET_ID 8u
#define VIRTIO_BLK_T_DISCARD 11u
#define VIRTIO_BLK_T_WRITE_ZEROES 13u
#define VIRTIO_BLK_S_OK 0u
#define VIRTIO_BLK_S_IOERR 1u
#define VIRTIO_BLK_S_UNSUPP 2u

#endif
