package dev.pharos.catalog.impl;

import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;

/** A ZooKeeper-backed store is as reachable as the connection it is read over. */
final class ZooKeeperReachability {

  private ZooKeeperReachability() {
  }

  /** Tells {@code feed} that {@code store} is unreachable while the connection is suspended or lost, serving {@code kept}. */
  static ConnectionStateListener of(StoreFeed feed, String store, String kept) {
    return (client, state) -> {
      if (state == ConnectionState.SUSPENDED || state == ConnectionState.LOST) {
        feed.reachable(store, "ZooKeeper connection " + state.name().toLowerCase() + ": serving the last known " + kept);
      } else if (state.isConnected()) {
        feed.reachable(store, null);
      }
    };
  }
}
