import Metrics
import Prometheus
import Synchronization

/// The process's one metrics registry, bootstrapped into swift-metrics once; `/metrics` renders
/// it in the Prometheus text format.
public enum MetricsSetup {
    private static let registry = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Bootstraps swift-metrics with a Prometheus registry the first time; returns the registry.
    @discardableResult
    public static func bootstrap() -> PrometheusCollectorRegistry {
        registry.withLock { current in
            if let current { return current }
            let r = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: r)
            factory.defaultDurationHistogramBuckets = [
                .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
                .seconds(10), .seconds(30), .seconds(60),
            ]
            MetricsSystem.bootstrap(factory)
            current = r
            return r
        }
    }
}
