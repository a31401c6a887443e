/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The default config.json of `skiff spec`: the shape runc writes (an interactive `sh`, runc's
 * default capabilities, mounts, masked and read-only paths).  --rootless adapts it for a user
 * namespace owned by the calling user. */
#include "config.h"
#include "spec.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "json.h"
#include "utils.h"

static const char caps_json[] = "[\n\t\t\t\t\"CAP_AUDIT_WRITE\",\n\t\t\t\t\"CAP_KILL\","
                                "\n\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n\t\t\t]";

char *sk_spec_default_json(bool rootless)
{
  struct sk_buf b = {0};
  sk_buf_addf(&b,
              "{\n"
              "\t\"ociVersion\": \"1.2.0\",\n"
              "\t\"process\": {\n"
              "\t\t\"terminal\": true,\n"
              "\t\t\"user\": {\n\t\t\t\"uid\": 0,\n\t\t\t\"gid\": 0\n\t\t},\n"
              "\t\t\"args\": [\n\t\t\t\"sh\"\n\t\t],\n"
              "\t\t\"env\": [\n"
              "\t\t\t\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
              "\t\t\t\"TERM=xterm\"\n\t\t],\n"
              "\t\t\"cwd\": \"/\",\n"
              "\t\t\"capabilities\": {\n"
              "\t\t\t\"bounding\": %s,\n\t\t\t\"effective\": %s,\n\t\t\t\"permitted\": %s,\n"
              "\t\t\t\"ambient\": %s\n\t\t},\n"
              "\t\t\"rlimits\": [\n"
              "\t\t\t{\n\t\t\t\t\"type\": \"RLIMIT_NOFILE\",\n\t\t\t\t\"hard\": 1024,\n"
              "\t\t\t\t\"soft\": 1024\n\t\t\t}\n\t\t],\n"
              "\t\t\"noNewPrivileges\": true\n"
              "\t},\n"
              "\t\"root\": {\n\t\t\"path\": \"rootfs\",\n\t\t\"readonly\": true\n\t},\n"
              "\t\"hostname\": \"skiff\",\n"
              "\t\"mounts\": [\n"
              "\t\t{\n\t\t\t\"destination\": \"/proc\",\n\t\t\t\"type\": \"proc\",\n"
              "\t\t\t\"source\": \"proc\"\n\t\t},\n"
              "\t\t{\n\t\t\t\"destination\": \"/dev\",\n\t\t\t\"type\": \"tmpfs\",\n"
              "\t\t\t\"source\": \"tmpfs\",\n\t\t\t\"options\": [\"nosuid\", \"strictatime\", "
              "\"mode=755\", \"size=65536k\"]\n\t\t},\n"
              "\t\t{\n\t\t\t\"destination\": \"/dev/pts\",\n\t\t\t\"type\": \"devpts\",\n"
              "\t\t\t\"source\": \"devpts\",\n\t\t\t\"options\": [\"nosuid\", \"noexec\", "
              "\"newinstance\", \"ptmxmode=0666\", \"mode=0620\"%s]\n\t\t},\n"
              "\t\t{\n\t\t\t\"destination\": \"/dev/shm\",\n\t\t\t\"type\": \"tmpfs\",\n"
              "\t\t\t\"source\": \"shm\",\n\t\t\t\"options\": [\"nosuid\", \"noexec\", \"nodev\", "
              "\"mode=1777\", \"size=65536k\"]\n\t\t},\n"
              "\t\t{\n\t\t\t\"destination\": \"/dev/mqueue\",\n\t\t\t\"type\": \"mqueue\",\n"
              "\t\t\t\"source\": \"mqueue\",\n\t\t\t\"options\": [\"nosuid\", \"noexec\", "
              "\"nodev\"]\n\t\t},\n",
              caps_json, caps_json, caps_json, caps_json, rootless ? "" : ", \"gid=5\"");
  if (rootless)
    sk_buf_addf(&b, "\t\t{\n\t\t\t\"destination\": \"/sys\",\n\t\t\t\"type\": \"none\",\n"
                    "\t\t\t\"source\": \"/sys\",\n\t\t\t\"options\": [\"rbind\", \"nosuid\", "
                    "\"noexec\", \"nodev\", \"ro\"]\n\t\t}\n");
  else
    sk_buf_addf(&b, "\t\t{\n\t\t\t\"destination\": \"/sys\",\n\t\t\t\"type\": \"sysfs\",\n"
                    "\t\t\t\"source\": \"sysfs\",\n\t\t\t\"options\": [\"nosuid\", \"noexec\", "
                    "\"nodev\", \"ro\"]\n\t\t},\n"
                    "\t\t{\n\t\t\t\"destination\": \"/sys/fs/cgroup\",\n\t\t\t\"type\": "
                    "\"cgroup\",\n\t\t\t\"source\": \"cgroup\",\n\t\t\t\"options\": [\"nosuid\", "
                    "\"noexec\", \"nodev\", \"relatime\", \"ro\"]\n\t\t}\n");
  sk_buf_addf(&b, "\t],\n\t\"linux\": {\n");
  if (rootless) {
    unsigned uid = (unsigned)getuid(), gid = (unsigned)getgid();
    sk_buf_addf(&b,
                "\t\t\"uidMappings\": [\n\t\t\t{\n\t\t\t\t\"containerID\": 0,\n"
                "\t\t\t\t\"hostID\": %u,\n\t\t\t\t\"size\": 1\n\t\t\t}\n\t\t],\n"
                "\t\t\"gidMappings\": [\n\t\t\t{\n\t\t\t\t\"containerID\": 0,\n"
                "\t\t\t\t\"hostID\": %u,\n\t\t\t\t\"size\": 1\n\t\t\t}\n\t\t],\n",
                uid, gid);
  } else {
    sk_buf_addf(&b, "\t\t\"resources\": {\n\t\t\t\"devices\": [\n\t\t\t\t{\n"
                    "\t\t\t\t\t\"allow\": false,\n\t\t\t\t\t\"access\": \"rwm\"\n"
                    "\t\t\t\t}\n\t\t\t]\n\t\t},\n");
  }
  sk_buf_addf(&b, "\t\t\"namespaces\": [\n\t\t\t{\n\t\t\t\t\"type\": \"pid\"\n\t\t\t},\n");
  if (!rootless)
    sk_buf_addf(&b, "\t\t\t{\n\t\t\t\t\"type\": \"network\"\n\t\t\t},\n");
  sk_buf_addf(&b,
              "\t\t\t{\n\t\t\t\t\"type\": \"ipc\"\n\t\t\t},\n"
              "\t\t\t{\n\t\t\t\t\"type\": \"uts\"\n\t\t\t},\n"
              "\t\t\t{\n\t\t\t\t\"type\": \"mount\"\n\t\t\t},\n"
              "\t\t\t{\n\t\t\t\t\"type\": \"cgroup\"\n\t\t\t}%s\n\t\t],\n",
              rootless ? ",\n\t\t\t{\n\t\t\t\t\"type\": \"user\"\n\t\t\t}" : "");
  sk_buf_addf(&b, "\t\t\"maskedPaths\": [\n"
                  "\t\t\t\"/proc/acpi\",\n\t\t\t\"/proc/asound\",\n\t\t\t\"/proc/kcore\",\n"
                  "\t\t\t\"/proc/keys\",\n\t\t\t\"/proc/latency_stats\",\n"
                  "\t\t\t\"/proc/timer_list\",\n\t\t\t\"/proc/timer_stats\",\n"
                  "\t\t\t\"/proc/sched_debug\",\n\t\t\t\"/sys/firmware\",\n"
                  "\t\t\t\"/proc/scsi\"\n\t\t],\n"
                  "\t\t\"readonlyPaths\": [\n"
                  "\t\t\t\"/proc/bus\",\n\t\t\t\"/proc/fs\",\n\t\t\t\"/proc/irq\",\n"
                  "\t\t\t\"/proc/sys\",\n\t\t\t\"/proc/sysrq-trigger\"\n\t\t]\n"
                  "\t}\n}\n");
  return b.data;
}
