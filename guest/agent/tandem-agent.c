/* tandem-agent: runs in a cluster node VM and tells Slurm about the desktop's owner.
 *
 * The VMM writes the owner's state to the agent port (the guest's /dev/hvc1, see
 * vmm/agentport.c), one line when it changes and every 10 seconds:
 *   owner active|idle idle=SECONDS focus=NAME|- foreground=0|1 policy=prefer|drain
 *         idle_after=SECONDS
 * On each change between active and idle the agent logs it and, when Slurm runs in
 * the node, updates the node: its feature owner_active or owner_idle (so that jobs
 * asking for --constraint=owner_idle, or preferring it, go to idle desktops), and with
 * policy=drain it drains the node while the owner is active and resumes it once the
 * owner has been idle for idle_after seconds (the VMM counts that). It reports the
 * node's load back on the port every 10 seconds ("load 1.00 jobs 2").
 * When the VMM writes "leave" (the desktop is about to stop or reset this VM), the
 * agent marks the node down in Slurm, which runs its jobs again on other nodes at
 * once, and answers "left". The node comes back when its slurmd registers again.
 *
 * usage: tandem-agent [PORT [NODENAME [FEATURES]]]   (defaults: /dev/hvc1, the host name,
 *        none): FEATURES are the node's own, kept next to owner_active/owner_idle.
 * Without slurm's scontrol it only logs. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define REPORT_S 10

struct owner {
	bool valid, active, drain;
	unsigned long idle, idle_after;
	char focus[32];
};

/* Parses one line of the port; false for anything else (ignored). */
static bool parse(const char *line, struct owner *o)
{
	char state[16], focus[32], policy[16];
	unsigned fg;
	if (sscanf(line, "owner %15s idle=%lu focus=%31s foreground=%u policy=%15s idle_after=%lu",
		   state, &o->idle, focus, &fg, policy, &o->idle_after) != 6)
		return false;
	if (strcmp(state, "active") != 0 && strcmp(state, "idle") != 0)
		return false;
	o->active = strcmp(state, "active") == 0;
	o->drain = strcmp(policy, "drain") == 0;
	snprintf(o->focus, sizeof(o->focus), "%s", focus);
	o->valid = true;
	return true;
}

/* Runs argv; its exit status, -1 when it could not run. */
static int run(char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool have_scontrol(void)
{
	char *argv[] = {"scontrol", "--version", NULL};
	return run(argv) == 0;
}

/* Tells Slurm: the feature, and for drain the node's state. */
static void tell_slurm(const char *node, const char *base, const struct owner *o)
{
	char name[128], feat[160], reason[96];
	snprintf(name, sizeof(name), "nodename=%s", node);
	snprintf(feat, sizeof(feat), "%s%s%s", base, base[0] ? "," : "",
		 o->active ? "owner_active" : "owner_idle");
	char af[192], cf[192];
	snprintf(af, sizeof(af), "availablefeatures=%s", feat);
	snprintf(cf, sizeof(cf), "activefeatures=%s", feat);
	char *upd[] = {"scontrol", "update", name, af, cf, NULL};
	int st = run(upd);
	printf("tandem-agent: slurm: node %s feature %s (%s)\n", node, feat,
	       st == 0 ? "done" : "failed");
	if (!o->drain)
		return;
	snprintf(reason, sizeof(reason), "reason=the desktop's owner is active");
	char *drain[] = {"scontrol", "update", name, "state=drain", reason, NULL};
	char *resume[] = {"scontrol", "update", name, "state=resume", NULL};
	st = run(o->active ? drain : resume);
	printf("tandem-agent: slurm: node %s %s (%s)\n", node, o->active ? "drained" : "resumed",
	       st == 0 ? "done" : "failed");
}

/* The VM is about to stop: the node goes down, its jobs are requeued. */
static void leave(int fd, const char *node, bool slurm)
{
	int st = 0;
	if (slurm) {
		char name[128];
		snprintf(name, sizeof(name), "nodename=%s", node);
		char *down[] = {"scontrol",
				"update",
				name,
				"state=down",
				"reason=the desktop stops this node's VM",
				NULL};
		st = run(down);
	}
	printf("tandem-agent: leaving: node %s %s\n", node,
	       !slurm    ? "(no scontrol)"
	       : st == 0 ? "down, its jobs requeued"
			 : "could not be set down");
	if (write(fd, "left\n", 5) < 0)
		perror("tandem-agent: port");
}

/* How many job steps run here (slurmstepd processes). */
static unsigned job_steps(void)
{
	DIR *d = opendir("/proc");
	unsigned n = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char path[300], comm[32] = "";
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && strncmp(comm, "slurmstepd", 10) == 0)
			n++;
		fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

static void report(int fd)
{
	char load[32] = "0.00", line[96];
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%31s", load) != 1)
			snprintf(load, sizeof(load), "0.00");
		fclose(f);
	}
	int n = snprintf(line, sizeof(line), "load %s jobs %u\n", load, job_steps());
	if (n > 0 && write(fd, line, (size_t)n) < 0 && errno != EAGAIN)
		perror("tandem-agent: port");
}

int main(int argc, char **argv)
{
	const char *port = argc > 1 ? argv[1] : "/dev/hvc1";
	char host[64];
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	const char *node = argc > 2 ? argv[2] : host;
	const char *base = argc > 3 ? argv[3] : "";
	setvbuf(stdout, NULL, _IOLBF, 0);
	int fd = open(port, O_RDWR | O_NOCTTY);
	if (fd < 0) {
		fprintf(stderr, "tandem-agent: %s: %s\n", port, strerror(errno));
		return 1;
	}
	/* The port is a terminal: raw, so that nothing is echoed back or rewritten. */
	struct termios t;
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	bool slurm = have_scontrol();
	printf("tandem-agent: listening on %s for node %s%s\n", port, node,
	       slurm ? "" : " (no scontrol: logging only)");
	struct owner now = {0}, told = {0};
	char buf[512];
	size_t len = 0;
	time_t last_report = 0;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, 1000);
		if (r < 0 && errno != EINTR)
			return 1;
		if (r > 0) {
			ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
			if (n <= 0 && errno != EINTR && errno != EAGAIN)
				return 1;
			if (n > 0)
				len += (size_t)n;
		}
		char *nl;
		buf[len] = 0;
		while ((nl = memchr(buf, '\n', len))) {
			*nl = 0;
			if (strcmp(buf, "leave") == 0)
				leave(fd, node, slurm);
			else if (parse(buf, &now) && (!told.valid || now.active != told.active)) {
				printf("tandem-agent: owner %s (idle %lu s, focus %s)\n",
				       now.active ? "active" : "idle", now.idle, now.focus);
				if (slurm)
					tell_slurm(node, base, &now);
				told = now;
			}
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
		if (len == sizeof(buf) - 1)
			len = 0; /* a line too long for anything we know */
		time_t t = time(NULL);
		if (t - last_report >= REPORT_S) {
			report(fd);
			last_report = t;
		}
	}
}
