package dev.pharos.registrar.impl;

import dev.pharos.model.Instance;
import dev.pharos.stage.StageStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code pharos.registrations} (env, service, store): the registrations this registrar holds,
 * kept by counting each change, so a change costs the same whatever the registry's size. A
 * series goes when its count falls to zero. Several registrars of one process (one meter
 * registry) add to the same series, each counting the instances it owns.
 */
public final class RegistrationCounts {

  /** The series of one meter registry, shared by its registrars. */
  private static final class Series {
    final Map<List<String>, AtomicInteger> counts = new HashMap<>();
    final Map<List<String>, Gauge> gauges = new HashMap<>();
  }

  private static final Map<MeterRegistry, Series> SHARED = new java.util.WeakHashMap<>();

  private final MeterRegistry meters;
  private final StageStatus status;
  private final Series series;
  /** By store, then instance id: the series it is counted in. Used on the registrar's context. */
  private final Map<String, Map<String, List<String>>> counted = new HashMap<>();

  public RegistrationCounts(MeterRegistry meters, StageStatus status) {
    this.meters = meters;
    this.status = status;
    synchronized (SHARED) {
      this.series = SHARED.computeIfAbsent(meters, k -> new Series());
    }
  }

  /** A registration made ("registered") or removed ("deregistered") in {@code store}; other types count nothing. */
  public void changed(String type, String store, Instance instance) {
    Map<String, List<String>> ofStore = counted.computeIfAbsent(store, k -> new HashMap<>());
    List<String> series = List.of(instance.env(), instance.app(), store);
    if ("registered".equals(type)) {
      List<String> before = ofStore.put(instance.id(), series);
      if (before != null) {
        add(before, -1);
      }
      add(series, 1);
    } else if ("deregistered".equals(type)) {
      List<String> before = ofStore.remove(instance.id());
      if (before != null) {
        add(before, -1);
      }
    } else {
      return;
    }
    status.detail("zookeeper".equals(store) ? "registrations" : store + "Documents", ofStore.size());
  }

  private void add(List<String> key, int delta) {
    synchronized (series) {
      AtomicInteger count = series.counts.computeIfAbsent(key, k -> {
        AtomicInteger value = new AtomicInteger();
        series.gauges.put(k, Gauge.builder("pharos.registrations", value, AtomicInteger::get)
          .description("registrations held, by env, service and store")
          .tags("env", k.get(0), "service", k.get(1), "store", k.get(2)).register(meters));
        return value;
      });
      if (count.addAndGet(delta) <= 0) {
        series.counts.remove(key);
        meters.remove(series.gauges.remove(key));
      }
    }
  }
}
