/* Host tests of the VM switch (hv/backend/vswitch.c): learning, flooding,
 * known unicast to one port, aging, the bounded MAC table, source checks
 * (spoofing), frame lengths, the flooding share, the per-port queue and
 * its flush, and the names. */
#include "check.h"
#include "hv/backend/netdev.h"

struct owner {
  unsigned got;
  uint8_t last[NET_FRAME_MAX];
  uint32_t last_len;
  bool full; /* refuse every frame */
};

static bool deliver(void *o, const uint8_t *data, uint32_t len) {
  struct owner *w = o;
  if (w->full)
    return false;
  w->got++;
  memcpy(w->last, data, len);
  w->last_len = len;
  return true;
}
static const struct net_port_ops ops = {deliver};

static struct owner own[VSWITCH_PORTS + 1];
static struct net_port port[VSWITCH_PORTS + 1];

static void mk_port(unsigned i, const char *sw) {
  memset(&port[i], 0, sizeof(port[i]));
  memset(&own[i], 0, sizeof(own[i]));
  port[i].ops = &ops;
  port[i].owner = &own[i];
  uint8_t mac[6] = {0x02, 0, 0, 0, 0, (uint8_t)(i + 1)};
  memcpy(port[i].mac, mac, 6);
  CHECK_EQ_INT(vswitch_attach(sw, &port[i]), 0);
}

static uint8_t frame[NET_FRAME_MAX];
static uint32_t mk_frame(const uint8_t *dst, const uint8_t *src, uint32_t len, uint8_t fill) {
  memcpy(frame, dst, 6);
  memcpy(frame + 6, src, 6);
  frame[12] = 0x88;
  frame[13] = 0xb5;
  for (uint32_t i = 14; i < len; i++)
    frame[i] = (uint8_t)(fill + i);
  return len;
}
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void reset(void) {
  vswitch_reset_all();
  memset(port, 0, sizeof(port));
}

static void test_learn_flood_unicast(void) {
  reset();
  for (unsigned i = 0; i < 3; i++)
    mk_port(i, "lan");
  mk_port(3, "other");
  CHECK_STR(vswitch_name(&port[0]), "lan");
  CHECK_STR(vswitch_name(&port[3]), "other");
  /* Unknown unicast floods every other port of its switch only. */
  uint32_t n = mk_frame(port[1].mac, port[0].mac, 60, 1);
  CHECK_EQ_INT(vswitch_send(&port[0], frame, n, 1), 0);
  CHECK_EQ(own[0].got, 0);
  CHECK_EQ(own[1].got, 1);
  CHECK_EQ(own[2].got, 1);
  CHECK_EQ(own[3].got, 0);
  CHECK(!memcmp(own[1].last, frame, n));
  /* Port 1 answers: port 0's MAC is known, so only port 0 gets it. */
  n = mk_frame(port[0].mac, port[1].mac, 100, 2);
  CHECK_EQ_INT(vswitch_send(&port[1], frame, n, 2), 0);
  CHECK_EQ(own[0].got, 1);
  CHECK_EQ(own[2].got, 1);
  CHECK_EQ(own[0].last_len, 100);
  /* Now both are known: unicast 0 -> 1 reaches 1 only. */
  n = mk_frame(port[1].mac, port[0].mac, 1518, 3);
  CHECK_EQ_INT(vswitch_send(&port[0], frame, n, 3), 0);
  CHECK_EQ(own[1].got, 2);
  CHECK_EQ(own[2].got, 1);
  CHECK(!memcmp(own[1].last, frame, n));
  /* Broadcast and multicast flood. */
  n = mk_frame(bcast, port[2].mac, 42, 4);
  CHECK_EQ_INT(vswitch_send(&port[2], frame, n, 4), 0);
  uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
  n = mk_frame(mcast, port[2].mac, 42, 5);
  CHECK_EQ_INT(vswitch_send(&port[2], frame, n, 5), 0);
  CHECK_EQ(own[0].got, 3);
  CHECK_EQ(own[1].got, 4);
  CHECK_EQ(own[2].got, 1);
  struct net_port_stats st;
  net_port_stats(&port[2], &st);
  CHECK_EQ(st.tx, 2);
  CHECK_EQ(st.rx, 1);
  /* A destination that refuses: counted as its loss, not the sender's. */
  own[1].full = true;
  n = mk_frame(port[1].mac, port[0].mac, 60, 6);
  CHECK_EQ_INT(vswitch_send(&port[0], frame, n, 6), 0);
  net_port_stats(&port[1], &st);
  CHECK_EQ(st.rx_dropped, 1);
  net_port_stats(&port[0], &st);
  CHECK_EQ(st.tx, 3);
  CHECK_EQ(st.rx_dropped, 0);
  own[1].full = false;
  /* A frame to a MAC learned on the sender's own port goes nowhere. */
  n = mk_frame(port[0].mac, port[0].mac, 60, 7);
  CHECK_EQ_INT(vswitch_send(&port[0], frame, n, 7), -1);
  net_port_stats(&port[0], &st);
  CHECK_EQ(st.tx_filtered, 1);
}

static void test_aging(void) {
  reset();
  for (unsigned i = 0; i < 3; i++)
    mk_port(i, "lan");
  uint32_t n = mk_frame(bcast, port[1].mac, 60, 1);
  vswitch_send(&port[1], frame, n, 1000);
  own[2].got = 0;
  n = mk_frame(port[1].mac, port[0].mac, 60, 1);
  vswitch_send(&port[0], frame, n, 1000 + VSWITCH_AGE_US - 1);
  CHECK_EQ(own[2].got, 0); /* still known */
  /* Port 0 refreshed nothing of port 1's entry: past the age it floods. */
  vswitch_send(&port[0], frame, n, 1000 + VSWITCH_AGE_US);
  CHECK_EQ(own[2].got, 1);
  CHECK_EQ(own[1].got, 2);
  /* Another hart's clock a little behind the time an entry was learned at:
   * still known (not aged, not flooded). */
  n = mk_frame(bcast, port[1].mac, 60, 1);
  vswitch_send(&port[1], frame, n, 5000000);
  own[2].got = 0;
  n = mk_frame(port[1].mac, port[0].mac, 60, 1);
  vswitch_send(&port[0], frame, n, 4999990);
  CHECK_EQ(own[2].got, 0);
}

/* A port with any_source (an uplink) learns many MACs: the table holds
 * VSWITCH_MACS, replacing the one heard from longest ago. */
static void test_table_bounded(void) {
  reset();
  for (unsigned i = 0; i < 3; i++)
    mk_port(i, "lan");
  port[0].any_source = true;
  uint8_t src[6] = {0x02, 0xaa, 0, 0, 0, 0};
  for (unsigned i = 0; i < VSWITCH_MACS + 10; i++) {
    src[4] = (uint8_t)(i >> 8);
    src[5] = (uint8_t)i;
    uint32_t n = mk_frame(port[1].mac, src, 60, 0);
    vswitch_send(&port[0], frame, n, 10 + i);
  }
  /* The last VSWITCH_MACS sources are known (to port 0), the first 10 not. */
  own[0].got = own[2].got = 0;
  src[4] = 0;
  src[5] = 0;
  uint32_t n = mk_frame(src, port[1].mac, 60, 0);
  vswitch_send(&port[1], frame, n, 5000);
  CHECK_EQ(own[2].got, 1); /* flooded: forgotten */
  unsigned last = VSWITCH_MACS + 9;
  src[4] = (uint8_t)(last >> 8);
  src[5] = (uint8_t)last;
  n = mk_frame(src, port[1].mac, 60, 0);
  own[2].got = 0;
  vswitch_send(&port[1], frame, n, 5001);
  CHECK_EQ(own[2].got, 0); /* known: to port 0 only */
  CHECK_EQ(own[0].got, 2);
  /* A MAC moves when it is heard on another port. */
  n = mk_frame(bcast, src, 60, 0);
  port[2].any_source = true;
  vswitch_send(&port[2], frame, n, 5002);
  own[0].got = own[2].got = 0;
  n = mk_frame(src, port[1].mac, 60, 0);
  vswitch_send(&port[1], frame, n, 5003);
  CHECK_EQ(own[2].got, 1);
  CHECK_EQ(own[0].got, 0);
}

static void test_spoof_and_lengths(void) {
  reset();
  for (unsigned i = 0; i < 2; i++)
    mk_port(i, "lan");
  uint8_t other[6] = {0x02, 9, 9, 9, 9, 9};
  uint32_t n = mk_frame(bcast, other, 60, 0);
  CHECK_EQ_INT(vswitch_send(&port[0], frame, n, 1), -1);
  n = mk_frame(bcast, port[1].mac, 60, 0); /* another port's own MAC */
  CHECK_EQ_INT(vswitch_send(&port[0], frame, n, 1), -1);
  n = mk_frame(bcast, bcast, 60, 0); /* a group source, even for an uplink */
  port[1].any_source = true;
  CHECK_EQ_INT(vswitch_send(&port[1], frame, n, 1), -1);
  CHECK_EQ(own[1].got, 0);
  CHECK_EQ(own[0].got, 0);
  struct net_port_stats st;
  net_port_stats(&port[0], &st);
  CHECK_EQ(st.tx_spoofed, 2);
  CHECK_EQ(st.tx, 0);
  /* The spoofed source was not learned: a frame to it still floods. */
  n = mk_frame(port[1].mac, port[1].mac, 60, 0);
  vswitch_send(&port[1], frame, n, 2);
  n = mk_frame(other, port[1].mac, 60, 0);
  CHECK_EQ_INT(vswitch_send(&port[1], frame, n, 2), 0);
  CHECK_EQ(own[0].got, 1);
  /* Lengths: 14..NET_FRAME_MAX. */
  n = mk_frame(bcast, port[0].mac, 60, 0);
  CHECK_EQ_INT(vswitch_send(&port[0], frame, 13, 3), -1);
  CHECK_EQ_INT(vswitch_send(&port[0], frame, 0, 3), -1);
  CHECK_EQ_INT(vswitch_send(&port[0], frame, NET_FRAME_MAX + 1, 3), -1);
  CHECK_EQ_INT(vswitch_send(&port[0], frame, 14, 3), 0);
  net_port_stats(&port[0], &st);
  CHECK_EQ(st.tx_bad_len, 3);
  /* A port on no switch sends nothing. */
  struct net_port lone = {.ops = &ops, .owner = &own[5]};
  CHECK_EQ_INT(vswitch_send(&lone, frame, 60, 3), -1);
}

/* Each port floods at most VSWITCH_FLOOD_BURST frames at once, then
 * VSWITCH_FLOOD_PER_S a second; known unicast is not limited. */
static void test_flood_share(void) {
  reset();
  for (unsigned i = 0; i < 3; i++)
    mk_port(i, "lan");
  uint32_t n = mk_frame(bcast, port[2].mac, 60, 0);
  unsigned sent = 0;
  for (unsigned i = 0; i < 1000; i++)
    sent += vswitch_send(&port[2], frame, n, 100) == 0;
  CHECK_EQ(sent, VSWITCH_FLOOD_BURST);
  CHECK_EQ(own[0].got, VSWITCH_FLOOD_BURST);
  struct net_port_stats st;
  net_port_stats(&port[2], &st);
  CHECK_EQ(st.tx_flood_limited, 1000 - VSWITCH_FLOOD_BURST);
  /* 10 ms later: 10 more. */
  sent = 0;
  for (unsigned i = 0; i < 100; i++)
    sent += vswitch_send(&port[2], frame, n, 100 + 10000) == 0;
  CHECK_EQ(sent, 10 * VSWITCH_FLOOD_PER_S / 1000);
  /* Port 0 floods as much as ever: port 2's flood took nothing of its share. */
  n = mk_frame(bcast, port[0].mac, 60, 0);
  sent = 0;
  for (unsigned i = 0; i < VSWITCH_FLOOD_BURST; i++)
    sent += vswitch_send(&port[0], frame, n, 10100) == 0;
  CHECK_EQ(sent, VSWITCH_FLOOD_BURST);
  /* Known unicast from port 2 is not limited. */
  n = mk_frame(port[0].mac, port[2].mac, 60, 0);
  sent = 0;
  for (unsigned i = 0; i < 500; i++)
    sent += vswitch_send(&port[2], frame, n, 10100) == 0;
  CHECK_EQ(sent, 500);
  /* A long pause refills only the burst. */
  n = mk_frame(bcast, port[2].mac, 60, 0);
  sent = 0;
  for (unsigned i = 0; i < 1000; i++)
    sent += vswitch_send(&port[2], frame, n, 100000000) == 0;
  CHECK_EQ(sent, VSWITCH_FLOOD_BURST);
}

static struct net_port_queue queue[2];

static void test_queue(void) {
  reset();
  for (unsigned i = 0; i < 2; i++)
    mk_port(i, "lan");
  memset(queue, 0, sizeof(queue));
  port[0].q = &queue[0];
  uint32_t n = mk_frame(bcast, port[1].mac, 60, 0); /* port 1 known: unicast, not flooding */
  CHECK_EQ_INT(vswitch_send(&port[1], frame, n, 1), 0);
  n = mk_frame(port[1].mac, port[0].mac, 60, 0);
  CHECK(vswitch_queue_room(&port[0]));
  CHECK(!vswitch_queue_room(&port[1])); /* no queue */
  CHECK_EQ_INT(vswitch_enqueue(&port[1], frame, n), -1);
  for (unsigned i = 0; i < NET_PORT_QLEN; i++) {
    frame[20] = (uint8_t)i;
    CHECK_EQ_INT(vswitch_enqueue(&port[0], frame, n), 0);
  }
  CHECK(!vswitch_queue_room(&port[0]));
  CHECK_EQ_INT(vswitch_enqueue(&port[0], frame, n), -1);
  CHECK_EQ_INT(vswitch_enqueue(&port[0], frame, 5), -1);
  struct net_port_stats st;
  net_port_stats(&port[0], &st);
  CHECK_EQ(st.tx_queue_full, 1);
  CHECK_EQ(st.tx_bad_len, 1);
  CHECK_EQ(own[1].got, 0); /* nothing delivered before the flush */
  vswitch_flush(&port[0], 1);
  CHECK_EQ(own[1].got, NET_PORT_QLEN);
  CHECK_EQ(own[1].last[20], NET_PORT_QLEN - 1); /* in order: the last one last */
  CHECK(vswitch_queue_room(&port[0]));
  CHECK_EQ(queue[0].count, 0);
  /* A flusher already at work: another returns at once, and the frames
   * are left for the first (which looks again before it stops). */
  vswitch_enqueue(&port[0], frame, n);
  queue[0].flushing = 1;
  vswitch_flush(&port[0], 2);
  CHECK_EQ(own[1].got, NET_PORT_QLEN);
  queue[0].flushing = 0;
  vswitch_flush(&port[0], 2);
  CHECK_EQ(own[1].got, NET_PORT_QLEN + 1);
}

static void test_attach_limits(void) {
  reset();
  struct net_port extra = {.ops = &ops, .owner = &own[0]};
  CHECK_EQ_INT(vswitch_attach("", &extra), -1);
  CHECK_EQ_INT(vswitch_attach("0123456789abcdef", &extra), -1); /* 16 characters */
  CHECK_EQ_INT(vswitch_attach(NULL, &extra), -1);
  struct net_port noops = {0};
  CHECK_EQ_INT(vswitch_attach("lan", &noops), -1);
  for (unsigned i = 0; i < VSWITCH_PORTS; i++)
    mk_port(i, "lan");
  CHECK_EQ_INT(vswitch_attach("lan", &extra), -1);   /* full */
  CHECK_EQ_INT(vswitch_attach("lan", &port[0]), -1); /* attached already */
  /* Detach: off the port list and out of the MAC table. */
  uint32_t n = mk_frame(bcast, port[3].mac, 60, 0);
  vswitch_send(&port[3], frame, n, 1);
  CHECK_EQ(own[0].got, 1);
  vswitch_detach(&port[0]);
  CHECK_STR(vswitch_name(&port[0]), "");
  vswitch_send(&port[3], frame, n, 2);
  CHECK_EQ(own[0].got, 1);
  CHECK_EQ(own[1].got, 2);
  CHECK_EQ_INT(vswitch_attach("lan", &extra), 0);
  /* VSWITCH_MAX switches, no more. */
  static struct net_port sp[VSWITCH_MAX];
  char name[8] = "sw0";
  unsigned ok = 0;
  for (unsigned i = 0; i < VSWITCH_MAX; i++) {
    sp[i] = (struct net_port){.ops = &ops, .owner = &own[0]};
    name[2] = (char)('a' + i);
    ok += vswitch_attach(name, &sp[i]) == 0;
  }
  CHECK_EQ(ok, VSWITCH_MAX - 1); /* "lan" is one */
}

int main(void) {
  test_learn_flood_unicast();
  test_aging();
  test_table_bounded();
  test_spoof_and_lengths();
  test_flood_share();
  test_queue();
  test_attach_limits();
  return check_report("vswitch");
}
