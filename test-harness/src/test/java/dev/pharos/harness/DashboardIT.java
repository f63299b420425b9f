package dev.pharos.harness;

import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard in a real headless chromium against a real node, dockerd and ZooKeeper: a
 * container started by the test shows up with its health without a reload, maintenance takes it
 * out of ZooKeeper and puts it back, a malformed definition shows its reason, the search filters.
 */
class DashboardIT extends EndToEndTest {

  private ChromeDriver browser;

  @AfterEach
  void closeBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  private WebElement row(String instanceId, String state) {
    String selector = "tr[data-instance-id='" + instanceId + "']" + (state == null ? "" : "[data-state='" + state + "']");
    return new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> {
      List<WebElement> found = d.findElements(By.cssSelector(selector));
      return found.isEmpty() ? null : found.get(0);
    });
  }

  @Test
  void aContainerAppearsLiveAndMaintenanceDrainsIt(@TempDir Path profile) throws Exception {
    harness.define("dev", "web", "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"tcp\", \"timeout\": 0.5}]}}");
    harness.define("dev", "broken", "{\"nerve\": {\"checks\": [{\"type\": \"telnet\"}]}}");
    String instanceIdPrefix = "ui-" + harness.runId();
    Pharos node = harness.start(harness.conf(instanceIdPrefix, new JsonObject()));
    String api = Harness.api(node);

    browser = Browser.start(profile, 1280, 900);
    browser.get(api + "/ui/");
    new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> "live".equals(d.findElement(By.id("live")).getText()));
    browser.executeScript("window.loadedOnce = 'yes';");

    WebElement malformed = new WebDriverWait(browser, Duration.ofSeconds(20))
      .until(d -> d.findElements(By.cssSelector("#malformed li[data-path='/env/dev/sd/broken']")).stream().findFirst().orElse(null));
    assertTrue(malformed.getText().contains("telnet"), "the reason is shown: " + malformed.getText());

    String container = harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "web"));
    String instanceId = instanceIdPrefix + "-" + Harness.shortId(container);
    WebElement up = row(instanceId, "up");
    assertTrue(up.getText().contains("127.0.0.1:" + harness.hostPort(container, 80)), up.getText());
    assertTrue(up.getText().contains("tcp") && up.getText().contains("passed") && up.getText().contains("rise"),
      "the check's last result and rise/fall counters: " + up.getText());
    assertTrue(up.getText().contains("since"), "registered since: " + up.getText());
    assertEquals("yes", browser.executeScript("return window.loadedOnce;"), "no reload happened");
    Browser.screenshot(browser, "dashboard-instance-up");

    up.findElement(By.cssSelector("button[data-action='maintenance-on']")).click();
    row(instanceId, "maintenance");
    await("drained from ZooKeeper", () -> harness.registrations("dev", "web").isEmpty());
    Browser.screenshot(browser, "dashboard-maintenance");
    row(instanceId, "maintenance").findElement(By.cssSelector("button[data-action='maintenance-off']")).click();
    row(instanceId, "up");
    await("registered again", () -> harness.registrations("dev", "web").size() == 1);

    WebElement search = browser.findElement(By.id("search"));
    search.sendKeys("no-such-service");
    new WebDriverWait(browser, Duration.ofSeconds(5))
      .until(d -> d.findElements(By.cssSelector("tr[data-instance-id='" + instanceId + "']")).isEmpty());
    search.clear();
    search.sendKeys("web");
    row(instanceId, null);
    assertEquals("yes", browser.executeScript("return window.loadedOnce;"), "still the same page");

    browser.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844)); // a phone
    Path phone = Browser.screenshot(browser, "dashboard-phone");
    assertTrue(Files.size(phone) > 0);
    Number overflow = (Number) browser.executeScript("return document.documentElement.scrollWidth - window.innerWidth;");
    assertTrue(overflow.intValue() <= 0, "no sideways scrolling on a phone: " + overflow);
  }

  @Test
  void maintenanceOverHttpNeedsTheTokenAKnownInstanceAndAGoodBody() throws Exception {
    harness.define("dev", "web", "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"tcp\", \"timeout\": 0.5}]}}");
    String prefix = "mt-" + harness.runId();
    Pharos node = harness.start(harness.conf(prefix, new JsonObject().put("api", new JsonObject().put("port", 0).put("token", "s3cret"))));
    String api = Harness.api(node);
    String instanceId = prefix + "-" + Harness.shortId(harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "web")));
    await("registered", () -> harness.registrations("dev", "web").size() == 1);
    String url = api + "/v1/instances/" + instanceId + "/maintenance";

    assertEquals(401, Http.send("PUT", url, null).statusCode(), "writes need the token");
    assertEquals(404, Http.authorized("PUT", api + "/v1/instances/nobody/maintenance", null, "s3cret").statusCode());
    var bad = Http.authorized("PUT", url, "{\"maintenance\": \"yes\"}", "s3cret");
    assertEquals(400, bad.statusCode());
    assertTrue(new JsonObject(bad.body()).getString("error").contains("maintenance"), bad.body());
    assertEquals(1, harness.registrations("dev", "web").size(), "refused requests change nothing");

    var on = Http.authorized("PUT", url, "{\"reason\": \"disk swap\"}", "s3cret");
    assertEquals(200, on.statusCode(), on.body());
    await("drained", () -> harness.registrations("dev", "web").isEmpty());
    JsonObject drained = Http.getJson(api + "/v1/instances").getJsonArray("maintenance").getJsonObject(0);
    assertEquals("disk swap", drained.getString("reason"));
    assertEquals(200, Http.authorized("DELETE", url, null, "s3cret").statusCode());
    await("back", () -> harness.registrations("dev", "web").size() == 1);
  }
}
