/* The frame rings of a network port region (include/tandem/net.h), for both ends:
 * the VMM and the root task's switch. Each side reads the other's index once and
 * checks it before it trusts it. */
#ifndef TANDEM_LIB_NETRING_H
#define TANDEM_LIB_NETRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <tandem/net.h>

/* Puts one frame at head; false (the frame dropped, *full counted) when the ring is
 * full, or when the reader's tail is nonsense (then the frame is dropped too: the
 * reader resets the ring when it next looks). */
static inline bool net_ring_put(struct net_ring_idx *r, struct net_slot *slots,
				volatile uint64_t *full, const uint8_t *frame, size_t len)
{
	uint32_t head = r->head, tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	if (len < NET_FRAME_MIN || len > NET_FRAME_MAX || head - tail >= NET_SLOTS) {
		(*full)++;
		return false;
	}
	struct net_slot *s = &slots[head % NET_SLOTS];
	s->len = (uint32_t)len;
	memcpy(s->frame, frame, len);
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
	return true;
}

/* The frame at tail, or NULL when the ring is empty. A ring whose writer wrote
 * nonsense (an index beyond the ring, a bad length) is emptied and the frames in it
 * are counted in *bad. The frame stays valid until net_ring_pop. */
static inline const uint8_t *net_ring_peek(struct net_ring_idx *r, struct net_slot *slots,
					   volatile uint64_t *bad, size_t *len)
{
	uint32_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE), tail = r->tail;
	if (head == tail)
		return NULL;
	struct net_slot *s = &slots[tail % NET_SLOTS];
	uint32_t n = __atomic_load_n(&s->len, __ATOMIC_RELAXED);
	if (head - tail > NET_SLOTS || n < NET_FRAME_MIN || n > NET_FRAME_MAX) {
		*bad += head - tail > NET_SLOTS ? 1 : head - tail;
		__atomic_store_n(&r->tail, head, __ATOMIC_RELEASE);
		return NULL;
	}
	*len = n;
	return s->frame;
}

static inline void net_ring_pop(struct net_ring_idx *r)
{
	__atomic_store_n(&r->tail, r->tail + 1, __ATOMIC_RELEASE);
}

static inline uint32_t net_ring_used(const struct net_ring_idx *r)
{
	return __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) - r->tail;
}

#endif
