package dev.pharos.catalog;

import java.util.Set;

/** Told, on the subscriber's own context, which services' endpoints changed. */
@FunctionalInterface
public interface CatalogListener {

  /**
   * Some endpoints of these apps came, went or changed; changes that arrive together are told
   * once. A store that becomes unreachable or reachable again is told with no app.
   */
  void changed(Set<String> apps);
}
