/* Interrupt lines as device models drive them: a level on a numbered input of an
 * interrupt controller. Edge-triggered devices pulse (set true, then false). */
#ifndef TANDEM_VMM_DEV_IRQ_H
#define TANDEM_VMM_DEV_IRQ_H

#include <stdbool.h>

struct irq_sink {
	void (*set)(void *ctx, unsigned line, bool level);
	void *ctx;
};

static inline void irq_pulse(const struct irq_sink *s, unsigned line)
{
	s->set(s->ctx, line, true);
	s->set(s->ctx, line, false);
}

#endif
