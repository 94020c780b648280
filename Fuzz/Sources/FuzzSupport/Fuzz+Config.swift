import BridgeConfig
import BridgeCore
import BridgeTemplates

extension Fuzz {
    /// The example config (`Examples/bridge.yaml`) with the shipped word catalogues, as `serve` loads them.
    public static let exampleConfig: BridgeConfiguration = {
        do {
            var config = try ConfigLoader.load(path: root + "/Examples/bridge.yaml")
            config.words = try WordCatalogue.load(directory: root + "/Templates")
            return config
        } catch {
            fatalError("the fuzz targets need Examples/bridge.yaml and Templates/ (run from the package root): \(error)")
        }
    }()

    /// The example config answering in `locale`.
    public static func config(_ locale: BridgeConfiguration.Locale) -> BridgeConfiguration {
        var config = exampleConfig
        config.locale = locale
        return config
    }
}
