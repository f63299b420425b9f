package dev.pharos.api.impl;

import dev.pharos.nesoi.NesoiDocuments;
import io.vertx.core.json.JsonObject;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a service summary needs of Nesoi's REST hosts, per service: how many, and their
 * {@code updated_at} in order, so the stale ones under any {@code max_age} are counted by a
 * binary search. Built once per version of the node's Nesoi view: a page of summaries costs the
 * services, not the hosts, until the view changes. A rebuild parses only the documents it has not
 * seen: the view replaces a host's document with a new object when it changes, so the rest are
 * found by identity (100,000 hosts: a walk of the maps, not 100,000 date parses, on the event loop).
 */
public final class RestIndex {

  /** One service's REST hosts: their update times (epoch ms, ascending; unknown first as MIN_VALUE). */
  public record Hosts(long[] updated) {
    public int count() {
      return updated.length;
    }

    /** Hosts updated before {@code cutoffMs} (or never known): stale under a max_age. */
    public int olderThan(long cutoffMs) {
      int i = Arrays.binarySearch(updated, cutoffMs);
      if (i < 0) {
        return -i - 1;
      }
      while (i > 0 && updated[i - 1] == cutoffMs) {
        i--;
      }
      return i;
    }

    /** The latest update, or null when none is known. */
    public Long last() {
      return updated.length == 0 || updated[updated.length - 1] == Long.MIN_VALUE ? null : updated[updated.length - 1];
    }
  }

  public static final RestIndex EMPTY = new RestIndex(-1, new TreeMap<>(), Map.of());

  private final long version;
  private final Map<String, Hosts> byService;
  /** Each document's update time, by the document object the view holds. */
  private final Map<JsonObject, Long> parsed;

  private RestIndex(long version, Map<String, Hosts> byService, Map<JsonObject, Long> parsed) {
    this.version = version;
    this.byService = byService;
    this.parsed = parsed;
  }

  public long version() {
    return version;
  }

  /** Every service's hosts, by service name. */
  public Map<String, Hosts> services() {
    return byService;
  }

  /** Reads every host of {@code services}: O(hosts). */
  public static RestIndex of(long version, Map<String, Map<String, JsonObject>> services) {
    return EMPTY.next(version, services);
  }

  /** This index brought to {@code services}: O(hosts) map walks, a date parse for each new or changed document only. */
  public RestIndex next(long newVersion, Map<String, Map<String, JsonObject>> services) {
    Map<String, Hosts> byService = new TreeMap<>();
    Map<JsonObject, Long> seen = new IdentityHashMap<>();
    services.forEach((service, hosts) -> {
      long[] updated = new long[hosts.size()];
      int i = 0;
      for (JsonObject doc : hosts.values()) {
        Long known = parsed.get(doc);
        long at = known != null ? known : updatedMs(doc);
        seen.put(doc, at);
        updated[i++] = at;
      }
      Arrays.sort(updated);
      byService.put(service, new Hosts(updated));
    });
    return new RestIndex(newVersion, byService, seen);
  }

  /** A host's {@code updated_at} (UTC) as epoch ms, or MIN_VALUE when it has none. */
  public static long updatedMs(JsonObject doc) {
    LocalDateTime at = NesoiDocuments.updatedAt(doc);
    return at == null ? Long.MIN_VALUE : at.toInstant(ZoneOffset.UTC).toEpochMilli();
  }
}
