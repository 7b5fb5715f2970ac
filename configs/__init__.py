"""Named pipeline presets (TOML), shipped as the package ``layerize.presets``."""
