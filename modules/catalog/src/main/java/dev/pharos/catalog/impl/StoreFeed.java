package dev.pharos.catalog.impl;

/**
 * What a store's watcher tells the catalog. Called from the watcher's own thread; the catalog
 * serializes.
 */
public interface StoreFeed {

  /** The entry at {@code key} is now {@code endpoint}. */
  void put(dev.pharos.catalog.CatalogEndpoint endpoint);

  /** The entry at {@code key} is gone (or was never an endpoint). */
  void remove(String store, String key);

  /** The entry at {@code key} is not an endpoint, because of {@code reason} (null: it is fine again). */
  void problem(String store, String key, String reason);

  /** The store's first full read is in: from now on its endpoints are the store's. */
  void loaded(String store);

  /** The store cannot be read ({@code reason}) or can again (null); endpoints are kept meanwhile. */
  void reachable(String store, String reason);
}
