/* timeweave bench: a deterministic generator of synthetic event files.
 *
 *   gen KIND COUNT SEED OUT [FILES]
 *
 * KIND is csv, jsonl, log or body. COUNT events (body: entries) are spread over FILES files
 * (default 1) named OUT-1.KIND, OUT-2.KIND, ...; with FILES 1 the file is OUT.KIND. The same
 * KIND, COUNT, SEED and FILES give the same bytes on every machine (a splitmix64 stream, no libc
 * randomness, no locale, no clock).
 *
 * On standard output it prints one line for all files, for bench/run's memory figures:
 *   lines L events E text T bytes B
 * L data lines, E the events they hold (a body line holds one per distinct known time; an
 * exact repeat of a body line is counted once, since timeweave merges it), T the bytes of the
 * events' own text (title, kind, tags, attribute names and values, as the sources store them:
 * a body event's path is counted twice, as its title and its path attribute) and B the bytes of
 * the files.
 *
 * What the lines look like, and why:
 * - times run forward through each file with jitter (a few seconds to an hour back), and about
 *   one line in a hundred is far out of order (days back): logs merged from several hosts;
 * - zones: most times are UTC with Z, some carry +01:00/+02:00 or -05:00/-04:00 offsets, and
 *   about one in three has microseconds;
 * - titles come from templates filled with users, hosts, paths, addresses and numbers; some
 *   contain a comma or a quote (so CSV cells get quoted) and a few are non-ASCII (UTF-8);
 * - about two lines in a hundred repeat a recent line exactly (a duplicated log shipment);
 * - csv: timestamp,message,kind,tags,host,user,pid (tags joined with `;`);
 *   jsonl: {"date","title","kind","tags","attributes"} in timeweave's own schema;
 *   log: rsyslog's RFC 3339 lines (`2024-03-05T10:22:13.123456+01:00 host prog[pid]: text`);
 *   body: TSK 3.x body file lines with MACB times that are mostly distinct.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state;

static uint64_t
next(void)
{
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static unsigned
below(unsigned n)
{
  return (unsigned)(next() % n);
}

static const char *const users[] = {
    "alice",   "bob",  "carol",  "dave",  "erin",   "frank", "grace", "heidi",  "ivan",   "judy",
    "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "zoë"};
static const char *const hosts[] = {"web-01",  "web-02", "web-03", "db-01", "db-02",
                                    "mail-01", "vpn-01", "dc-01",  "fs-01", "build-07"};
static const char *const programs[] = {"sshd",   "sudo",    "cron",    "postfix/smtpd", "nginx",
                                       "kernel", "systemd", "dockerd", "audit",         "backup"};
static const char *const kinds[] = {"auth", "process", "network", "file",
                                    "mail", "web",     "system",  "backup"};
static const char *const tags[] = {"ssh",   "login",   "failure", "sudo",       "cron",
                                   "mail",  "http",    "error",   "suspicious", "backup",
                                   "admin", "lateral", "exfil",   "persistence"};
static const char *const dirs[] = {"/home/%s/Documents",
                                   "/home/%s/Downloads",
                                   "/var/log",
                                   "/etc",
                                   "/tmp",
                                   "/srv/www/htdocs",
                                   "/usr/lib/x86_64-linux-gnu",
                                   "/home/%s/.ssh",
                                   "/var/lib/docker/overlay2",
                                   "/opt/app/releases"};
static const char *const exts[] = {".txt", ".log", ".conf",   ".docx", ".pdf",
                                   ".so",  ".py",  ".tar.gz", ".json", ""};

/* The title of one line. Writes into @buf; returns the length. */
static int
make_title(char *buf, size_t size, unsigned *kind)
{
  const char *u = users[below(20)];
  const char *h = hosts[below(10)];
  unsigned a = below(256), b = below(256), port = 1024 + below(60000), n = below(100000);
  switch (below(12)) {
  case 0:
    *kind = 0;
    return snprintf(buf, size, "Accepted password for %s from 10.%u.%u.%u port %u ssh2", u, a, b,
                    below(256), port);
  case 1:
    *kind = 0;
    return snprintf(buf, size, "Failed password for invalid user %s from 192.168.%u.%u port %u", u,
                    a, b, port);
  case 2:
    *kind = 1;
    return snprintf(buf, size,
                    "%s : TTY=pts/%u ; PWD=/home/%s ; USER=root ; COMMAND=/usr/bin/"
                    "systemctl restart app-%u",
                    u, below(8), u, below(40));
  case 3:
    *kind = 1;
    return snprintf(buf, size, "(%s) CMD (/usr/local/bin/rotate --keep %u /var/log/app-%u)", u,
                    below(30), below(50));
  case 4:
    *kind = 2;
    return snprintf(buf, size, "connection from %s[10.%u.%u.%u] closed, %u bytes sent", h, a, b,
                    below(256), n);
  case 5:
    *kind = 3;
    return snprintf(buf, size, "file /home/%s/Documents/report-%u.docx opened for writing", u, n);
  case 6:
    *kind = 4;
    return snprintf(buf, size, "message <%u.%u@%s.example.org> from=<%s@example.org>, size=%u", n,
                    port, h, u, below(2000000));
  case 7:
    *kind = 5;
    return snprintf(buf, size, "GET /api/v%u/items/%u?page=%u HTTP/1.1 200 %u", 1 + below(3), n,
                    below(40), below(50000));
  case 8:
    *kind = 6;
    return snprintf(buf, size, "Started Session %u of user %s.", n, u);
  case 9:
    *kind = 7;
    return snprintf(buf, size, "backup of %s finished, %u files, %u.%u GB", h, n, below(500),
                    below(10));
  case 10:
    /* A comma and a quote: CSV cells that must be quoted. */
    *kind = 2;
    return snprintf(buf, size, "proxy denied \"%s\", reason: policy %u", h, below(90));
  default:
    /* Non-ASCII text. */
    *kind = 3;
    return snprintf(buf, size, "Datei \"Übersicht-%u.ods\" von %s geändert", n, u);
  }
}

/* Civil date from days since 1970-01-01 (Howard Hinnant's algorithm). */
static void
civil(int64_t z, int *y, unsigned *m, unsigned *d)
{
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int)(yy + (*m <= 2));
}

/* An RFC 3339 time for @usec in a random zone: "2024-03-05T10:22:13.123456+01:00". */
static int
make_time(char *buf, size_t size, int64_t usec)
{
  static const int offsets[] = {0, 0, 0, 0, 0, 0, 0, 60, 120, -300, -240};
  int offset = offsets[below(sizeof offsets / sizeof offsets[0])];
  int64_t secs = usec / 1000000 + offset * 60;
  int64_t days = secs / 86400, rem = secs % 86400;
  int y;
  unsigned m, d;
  civil(days, &y, &m, &d);
  int n = snprintf(buf, size, "%04d-%02u-%02uT%02u:%02u:%02u", y, m, d, (unsigned)(rem / 3600),
                   (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
  if (below(3) == 0)
    n += snprintf(buf + n, size - (size_t)n, ".%06u", (unsigned)(usec % 1000000));
  if (offset == 0)
    n += snprintf(buf + n, size - (size_t)n, "Z");
  else
    n += snprintf(buf + n, size - (size_t)n, "%c%02d:%02d", offset < 0 ? '-' : '+',
                  abs(offset) / 60, abs(offset) % 60);
  return n;
}

/* The next time of a file: forward with jitter, now and then far back. */
static int64_t
step_time(int64_t *clock)
{
  *clock += (int64_t)below(4000000) + 1; /* up to 4 s between lines */
  int64_t t = *clock - (int64_t)below(600) * 1000000;
  if (below(100) == 0)
    t -= (int64_t)(1 + below(20)) * 86400 * 1000000;
  return t;
}

static void
csv_cell(FILE *f, const char *text)
{
  if (!strpbrk(text, ",\"\r\n")) {
    fputs(text, f);
    return;
  }
  fputc('"', f);
  for (const char *p = text; *p; p++) {
    if (*p == '"')
      fputc('"', f);
    fputc(*p, f);
  }
  fputc('"', f);
}

static void
json_string(FILE *f, const char *text)
{
  fputc('"', f);
  for (const char *p = text; *p; p++) {
    if (*p == '"' || *p == '\\')
      fputc('\\', f);
    fputc(*p, f);
  }
  fputc('"', f);
}

/* The bytes of the events' own text (see the top). */
static uint64_t text_bytes;

/* One line of @kind into @line (without the newline). */
static int
make_line(const char *kind, int64_t *clock, char *line, size_t size)
{
  char title[256], time[64], tag_text[128] = "";
  unsigned k;
  make_title(title, sizeof title, &k);
  int64_t t = step_time(clock);
  make_time(time, sizeof time, t);
  const char *host = hosts[below(10)];
  const char *user = users[below(20)];
  unsigned pid = 100 + below(60000);
  unsigned n_tags = below(4);
  const char *chosen[3];
  for (unsigned i = 0; i < n_tags; i++)
    chosen[i] = tags[below(14)];

  /* csv and jsonl: title, kind, tags; host, user and pid are attributes (csv: by their column
   * names). log: the message is the title, host and program attributes (the pid a part of
   * the program's). Close enough for a per-event figure: names are a few bytes. */
  char pid_text[16];
  int pid_len = snprintf(pid_text, sizeof pid_text, "%u", pid);
  text_bytes += strlen(title) + strlen(host) + 4 + (uint64_t)pid_len + 3;
  const char *program = NULL;
  if (strcmp(kind, "log") == 0) {
    program = programs[k + below(3)];
    text_bytes += strlen(program) + 7;
  } else {
    text_bytes += strlen(kinds[k]) + strlen(user) + 4;
    for (unsigned i = 0; i < n_tags; i++)
      text_bytes += strlen(chosen[i]);
  }

  FILE *f = fmemopen(line, size, "w");
  if (strcmp(kind, "csv") == 0) {
    for (unsigned i = 0; i < n_tags; i++) {
      if (i)
        strcat(tag_text, ";");
      strcat(tag_text, chosen[i]);
    }
    fprintf(f, "%s,", time);
    csv_cell(f, title);
    fprintf(f, ",%s,%s,%s,%s,%u", kinds[k], tag_text, host, user, pid);
  } else if (strcmp(kind, "jsonl") == 0) {
    fprintf(f, "{\"date\":\"%s\",\"title\":", time);
    json_string(f, title);
    fprintf(f, ",\"kind\":\"%s\",\"tags\":[", kinds[k]);
    for (unsigned i = 0; i < n_tags; i++)
      fprintf(f, "%s\"%s\"", i ? "," : "", chosen[i]);
    fprintf(f, "],\"attributes\":{\"host\":\"%s\",\"user\":\"%s\",\"pid\":\"%u\"}}", host, user,
            pid);
  } else {
    fprintf(f, "%s %s %s[%u]: %s", time, host, program, pid, title);
  }
  fclose(f);
  return (int)strlen(line);
}

static const char *const names[] = {"report", "invoice", "notes",  "id_rsa", "access",
                                    "app",    "libssl",  "backup", "config", "photo"};

static uint64_t body_events;

static int
make_body_line(char *line, size_t size, uint64_t inode, int64_t *clock)
{
  char dir[128];
  const char *user = users[below(20)];
  snprintf(dir, sizeof dir, dirs[below(10)], user);
  int64_t base = (*clock += below(30)) + 1;
  /* crtime first, then mtime and ctime later, atime latest; equal now and then (m.c. rows). */
  int64_t crtime = base;
  int64_t mtime = crtime + (below(4) ? (int64_t)below(86400 * 30) : 0);
  int64_t ctime = below(3) ? mtime : mtime + below(3600);
  int64_t atime = ctime + (int64_t)below(86400 * 90);
  if (below(10) == 0)
    crtime = 0; /* no birth time (ext3, FAT) */
  const char *mode = below(8) ? "r/rrw-r--r--" : "d/drwxr-xr-x";
  int n =
      snprintf(line, size,
               "0|%s/%s-%u%s|%" PRIu64 "|%s|%u|%u|%u|%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64,
               dir, names[below(10)], below(100000), exts[below(10)], inode, mode, 1000 + below(5),
               1000 + below(5), below(5000000), atime, mtime, ctime, crtime);
  /* One event per distinct known time, each with the fields after MD5 and before the times
   * (the name twice: title and path), the attribute names and the MACB letters. */
  const char *name = strchr(line, '|') + 1;
  const char *times = name;
  for (int bars = 0; bars < 6; bars++)
    times = strchr(times, '|') + 1;
  size_t name_len = (size_t)(strchr(name, '|') - name);
  uint64_t per_event = name_len + (size_t)(times - name - 1) + 4 + 4 + 5 + 4 + 3 + 3 + 4;
  int64_t t[4] = {atime, mtime, ctime, crtime};
  for (int i = 0; i < 4; i++) {
    int seen = t[i] == 0;
    for (int j = 0; j < i && !seen; j++)
      seen = t[j] == t[i];
    if (!seen) {
      body_events++;
      text_bytes += per_event;
    }
  }
  return n;
}

int
main(int argc, char **argv)
{
  if (argc < 5) {
    fprintf(stderr, "usage: gen csv|jsonl|log|body COUNT SEED OUT [FILES]\n");
    return 2;
  }
  const char *kind = argv[1];
  char *end;
  uint64_t count = strtoull(argv[2], &end, 10);
  if (*end || !*argv[2]) {
    fprintf(stderr, "gen: COUNT '%s' is not a number\n", argv[2]);
    return 2;
  }
  uint64_t seed = strtoull(argv[3], &end, 10);
  if (*end || !*argv[3]) {
    fprintf(stderr, "gen: SEED '%s' is not a number\n", argv[3]);
    return 2;
  }
  const char *out = argv[4];
  unsigned files = argc > 5 ? (unsigned)strtoul(argv[5], NULL, 10) : 1;
  if (strcmp(kind, "csv") && strcmp(kind, "jsonl") && strcmp(kind, "log") && strcmp(kind, "body")) {
    fprintf(stderr, "gen: unknown kind '%s'\n", kind);
    return 2;
  }
  if (files == 0)
    files = 1;

  enum { RECENT = 64 };
  static char recent[RECENT][1024];
  int recent_len[RECENT] = {0};
  uint64_t recent_text[RECENT] = {0};
  uint64_t lines = 0, events = 0, bytes = 0;
  int body = strcmp(kind, "body") == 0;
  char line[1024];
  for (unsigned fi = 0; fi < files; fi++) {
    char path[4096];
    if (files == 1)
      snprintf(path, sizeof path, "%s.%s", out, kind);
    else
      snprintf(path, sizeof path, "%s-%u.%s", out, fi + 1, kind);
    FILE *f = fopen(path, "w");
    if (!f) {
      perror(path);
      return 1;
    }
    static char buffer[1 << 20];
    setvbuf(f, buffer, _IOFBF, sizeof buffer);
    state = seed * 1000003 + fi;
    uint64_t n = count / files + (fi < count % files);
    /* Each file covers its own stretch, overlapping the others': a few weeks in 2024. */
    int64_t clock = (int64_t)(1704067200 + fi * 3 * 86400) * 1000000;
    int64_t body_clock = 1500000000 + fi * 86400;
    const char *header = NULL;
    if (strcmp(kind, "csv") == 0)
      header = "timestamp,message,kind,tags,host,user,pid\n";
    else if (body)
      header = "MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime\n";
    if (header) {
      fputs(header, f);
      bytes += strlen(header);
    }
    for (uint64_t i = 0; i < n; i++) {
      int len;
      uint64_t text_before = text_bytes;
      if (i > RECENT && below(50) == 0) {
        /* An exact repeat of a recent line: one more event, except in a body file. */
        unsigned r = below(RECENT);
        memcpy(line, recent[r], (size_t)recent_len[r] + 1);
        len = recent_len[r];
        if (!body) {
          events++;
          text_bytes += recent_text[r];
        }
      } else if (body) {
        uint64_t before = body_events;
        len = make_body_line(line, sizeof line, 1000 + i * files + fi, &body_clock);
        events += body_events - before;
      } else {
        len = make_line(kind, &clock, line, sizeof line);
        events++;
      }
      unsigned slot = (unsigned)(i % RECENT);
      memcpy(recent[slot], line, (size_t)len + 1);
      recent_len[slot] = len;
      recent_text[slot] = text_bytes - text_before;
      fwrite(line, 1, (size_t)len, f);
      fputc('\n', f);
      lines++;
      bytes += (uint64_t)len + 1;
    }
    if (fclose(f) != 0) {
      perror(path);
      return 1;
    }
  }
  printf("lines %" PRIu64 " events %" PRIu64 " text %" PRIu64 " bytes %" PRIu64 "\n", lines, events,
         text_bytes, bytes);
  return 0;
}
