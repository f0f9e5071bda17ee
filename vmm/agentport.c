/* The port to the agent in a cluster node's guest: the owner's state from the root
 * task's host page (tandem/host.h), told as text lines on a virtio-console of its own
 * (the guest's /dev/hvc1), and the agent's lines back into the log.
 *
 * To the agent, one line when something changed and every 10 seconds anyway:
 *   owner active|idle idle=SECONDS focus=NAME|- foreground=0|1 policy=prefer|drain
 *         idle_after=SECONDS
 * "idle=" counts the seconds since the last input to a foreground VM (since boot
 * when there was none); the owner is active while that is below idle_after. And
 * once, when the management screen is about to stop or reset the VM:
 *   leave
 * for the agent to take its node out of the cluster (its jobs run again elsewhere)
 * and answer "left". From the agent: lines of text, logged as "agent: ..."; its
 * "load ..." reports and its "left" go where the management screen reads them. */
#include <format.h>
#include <hc.h>
#include <string.h>
#include <tandem/host.h>
#include <tandem/net.h>
#include <tsc.h>
#include <ulib.h>
#include "agentport.h"
#include "linuxvm.h"

#define TICK_US  1000000
#define REPEAT_S 10

static const volatile struct host_state *host(void)
{
	return (const volatile struct host_state *)HOST_VA;
}

/* The agent's load report where the management screen finds it (tandem/net.h). */
static void publish(struct net_ctrl *c, const char *line)
{
	__atomic_store_n(&c->agent_seq, c->agent_seq + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	size_t n = strlen(line);
	if (n >= NET_AGENT_MAX)
		n = NET_AGENT_MAX - 1;
	memcpy(c->agent, line, n);
	c->agent[n] = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&c->agent_seq, c->agent_seq + 1, __ATOMIC_RELEASE);
}

/* The agent's output: whole lines into the log, printable characters only. */
static void from_agent(void *ctx, const uint8_t *buf, size_t len)
{
	struct agentport *a = ctx;
	for (size_t i = 0; i < len; i++) {
		char c = (char)buf[i];
		if (c == '\n' || a->line_len == sizeof(a->line) - 1) {
			a->line[a->line_len] = 0;
			/* Lines of ours coming back are the terminal's echo before the
			 * agent made it raw. */
			if (a->line_len && strncmp(a->line, "owner ", 6) != 0)
				vm_log(a->vm, "agent: %s\n", a->line);
			/* The root task samples the report now and then: a "load" the agent
			 * sends right after its "left" must not hide the answer it waits
			 * for. */
			bool left = strcmp(a->line, "left") == 0;
			if (a->line_len && a->report &&
			    ((strncmp(a->line, "load ", 5) == 0 && !a->left) || left))
				publish(a->report, a->line);
			a->left |= left;
			a->line_len = 0;
			if (c == '\n')
				continue;
		}
		if (c >= 0x20 && c < 0x7f)
			a->line[a->line_len++] = c;
	}
}

bool agentport_init(struct agentport *a, struct vm *vm, struct pci_bus *pci, unsigned slot,
		    const struct launch_info *info, const struct linuxvm_options *o)
{
	memset(a, 0, sizeof(*a));
	a->vm = vm;
	a->owner_idle = o->owner_idle; /* vmm/main.c's default when the option is missing */
	a->drain = o->owner_drain;
	format_buf(a->name, sizeof(a->name), "%s", o->name ? o->name : "");
	if (!info->host_size || host()->magic != HOST_MAGIC)
		return true;
	struct net_ctrl *nc = (struct net_ctrl *)NET_VA;
	if (info->net_size >= NET_SIZE && nc->magic == NET_MAGIC)
		a->report = nc;
	a->present = virtio_console_init(&a->con, &vm->mem, from_agent, a) &&
		     pci_bus_add(pci, &a->con.vd.pci, slot);
	return a->present;
}

/* What root writes on the host page under its seq, as one consistent copy. */
struct host_view {
	char focus[HOST_NAME_MAX];
	uint32_t foreground;
	char leaving[HOST_LEAVING_MAX][HOST_NAME_MAX];
};

static void read_host(struct host_view *v)
{
	const volatile struct host_state *h = host();
	for (;;) {
		uint32_t seq = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE);
		memcpy(v->focus, (const void *)h->focus, sizeof(v->focus));
		v->foreground = h->focus_foreground;
		memcpy(v->leaving, (const void *)h->leaving, sizeof(v->leaving));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(seq & 1) && seq == __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE))
			return;
	}
}

/* The state as a line (without "idle=", which changes every second). */
static void state(struct agentport *a, const struct host_view *v, char *buf, size_t size,
		  uint64_t *idle_s)
{
	const volatile struct host_state *h = host();
	char focus[HOST_NAME_MAX];
	memcpy(focus, v->focus, sizeof(focus));
	focus[HOST_NAME_MAX - 1] = 0;
	for (char *c = focus; *c; c++) {
		if (*c <= ' ' || *c >= 0x7f)
			*c = '_';
	}
	uint64_t last = h->last_owner_input_tsc, hz = h->tsc_hz ? h->tsc_hz : 1;
	uint64_t now = rdtsc();
	*idle_s = last && now > last ? (now - last) / hz : last ? 0 : now / hz;
	bool active = last && *idle_s < a->owner_idle;
	format_buf(buf, size, "owner %s focus=%s foreground=%u policy=%s idle_after=%u",
		   active ? "active" : "idle", focus[0] ? focus : "-", v->foreground ? 1 : 0,
		   a->drain ? "drain" : "prefer", a->owner_idle);
}

/* Whether root's leaving list names this VM. */
static bool leaving(const struct agentport *a, const struct host_view *v)
{
	for (unsigned i = 0; a->name[0] && i < HOST_LEAVING_MAX; i++) {
		if (strncmp(v->leaving[i], a->name, HOST_NAME_MAX) == 0)
			return true;
	}
	return false;
}

/* Text to the agent (the guest's /dev/hvc1). */
static void tell(struct agentport *a, uint64_t utcb, const char *text, size_t len)
{
	vm_lock(&a->vm->lock);
	a->vm->cur_utcb = (struct utcb *)utcb;
	virtio_console_input(&a->con, (const uint8_t *)text, len);
	vm_unlock(&a->vm->lock);
}

static struct agentport *the_port;

static void agent_thread(uint64_t utcb)
{
	struct agentport *a = the_port;
	for (;;) {
		char now[sizeof(a->last)], out[sizeof(a->last) + 32];
		uint64_t idle_s;
		struct host_view v;
		read_host(&v);
		state(a, &v, now, sizeof(now), &idle_s);
		a->quiet++;
		if (strcmp(now, a->last) != 0 || a->quiet >= REPEAT_S) {
			memcpy(a->last, now, sizeof(a->last));
			a->quiet = 0;
			/* "owner STATE idle=N rest": idle= after the state word. */
			const char *rest = strchr(now + 6, ' ');
			int n =
			    format_buf(out, sizeof(out), "%.*s idle=%llu%s\n", (int)(rest - now),
				       now, (unsigned long long)idle_s, rest);
			if (n > 0)
				tell(a, utcb, out, (size_t)n);
		}
		if (!a->leave_told && leaving(a, &v)) {
			a->leave_told = true;
			uprintf_utcb((struct utcb *)utcb,
				     "agent port: the VM is to stop: asking the node to leave\n");
			tell(a, utcb, "leave\n", 6);
		}
		hc_sm_down(a->tick_sm, TICK_US); /* nobody ups it: a clock */
	}
}

bool agentport_start(struct agentport *a, unsigned cpu, unsigned prio)
{
	if (!a->present)
		return true;
	the_port = a;
	a->tick_sm = vm_sel_alloc(1);
	return hc_create_sm(a->tick_sm, 0) == ST_OK && vm_thread(a->vm, agent_thread, cpu, prio);
}
