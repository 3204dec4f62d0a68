"""The model registry, twin of src/models/registry.ts: the same names, options, defaults and checks, and the same
JSON model config (the one stored in every checkpoint), so a config written by either side builds the same
network in the other.
"""

from .gate import DEFAULT_GATE_BIAS_INIT, GATE_HIDDEN, GATE_TAU
from .pspnet import PSPNet
from .resnet import ResNet

MODEL_TABLE = {
    "resnet20": ("cifar", {"stem": "cifar", "block": "basic", "layers": [3, 3, 3]}),
    "resnet32": ("cifar", {"stem": "cifar", "block": "basic", "layers": [5, 5, 5]}),
    "resnet56": ("cifar", {"stem": "cifar", "block": "basic", "layers": [9, 9, 9]}),
    "resnet110": ("cifar", {"stem": "cifar", "block": "basic", "layers": [18, 18, 18]}),
    "resnet18": ("imagenet", {"stem": "imagenet", "block": "basic", "layers": [2, 2, 2, 2]}),
    "resnet34": ("imagenet", {"stem": "imagenet", "block": "basic", "layers": [3, 4, 6, 3]}),
    "resnet50": ("imagenet", {"stem": "imagenet", "block": "bottleneck", "layers": [3, 4, 6, 3]}),
    "pspnet_resnet18": ("pspnet", {"stem": "imagenet", "block": "basic", "layers": [2, 2, 2, 2]}),
    "pspnet_resnet50": ("pspnet", {"stem": "imagenet", "block": "bottleneck", "layers": [3, 4, 6, 3]}),
}

FAMILY = {
    "cifar": {"task": "classification", "input": [32, 32, 3], "classes": 10, "outputStride": 4},
    "imagenet": {"task": "classification", "input": [224, 224, 3], "classes": 1000, "outputStride": 32},
    "pspnet": {"task": "segmentation", "input": [512, 1024, 3], "classes": 19, "outputStride": 8},
}

MODEL_OPTION_KEYS = ("gating", "widthMultiplier", "numClasses", "gateBiasInit", "seed", "shortcut", "gatePosition",
                     "zeroInitResidual", "bnMomentum", "bnEpsilon", "dropout")


def list_models() -> list:
    return list(MODEL_TABLE)


def _check_name(fn: str, name) -> None:
    if name not in MODEL_TABLE:
        raise ValueError(f"{fn}: argument 'name' must be one of {', '.join(MODEL_TABLE)}; got {name!r}")


def model_family(name: str) -> str:
    _check_name("model_family", name)
    return MODEL_TABLE[name][0]


def resolve_model_config(name: str, options: dict | None = None) -> dict:
    """Options (the TypeScript ModelOptions keys) against the defaults, checked: the model's JSON config."""
    fn = "create_model"
    _check_name(fn, name)
    options = dict(options or {})
    unknown = [k for k in options if k not in MODEL_OPTION_KEYS]
    if unknown:
        raise ValueError(f"{fn}: unknown option '{unknown[0]}' (known: {', '.join(MODEL_OPTION_KEYS)})")
    family = MODEL_TABLE[name][0]
    f = FAMILY[family]
    get = options.get
    config = {
        "name": name,
        "task": f["task"],
        "gating": get("gating", "channel"),
        "widthMultiplier": get("widthMultiplier", 1),
        "numClasses": get("numClasses", f["classes"]),
        "gateBiasInit": get("gateBiasInit", DEFAULT_GATE_BIAS_INIT),
        "gateHidden": GATE_HIDDEN,
        "gateTau": GATE_TAU,
        "seed": get("seed", 0),
        "shortcut": get("shortcut", "A"),
        "gatePosition": get("gatePosition", "conv1"),
        "zeroInitResidual": get("zeroInitResidual", False),
        "bnMomentum": get("bnMomentum", 0.1),
        "bnEpsilon": get("bnEpsilon", 1e-5),
        "inputChannels": 3,
        "outputStride": f["outputStride"],
        "dropout": get("dropout", 0.1 if family == "pspnet" else 0),
    }

    def bad(arg, expect):
        return ValueError(f"{fn}: option '{arg}' must be {expect}; got {config[arg]!r}")

    def is_num(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    if config["gating"] not in ("channel", "none"):
        raise bad("gating", "'channel' or 'none'")
    if not (is_num(config["widthMultiplier"]) and config["widthMultiplier"] > 0):
        raise bad("widthMultiplier", "a number > 0")
    if not (isinstance(config["numClasses"], int) and config["numClasses"] >= 1):
        raise bad("numClasses", "a positive integer")
    if not (is_num(config["gateBiasInit"]) and abs(config["gateBiasInit"]) != float("inf")):
        raise bad("gateBiasInit", "a finite number")
    if not (isinstance(config["seed"], int) and 0 <= config["seed"] <= 0xFFFFFFFF):
        raise bad("seed", "an integer in [0, 2^32)")
    if config["shortcut"] not in ("A", "B"):
        raise bad("shortcut", "'A' or 'B'")
    if config["gatePosition"] not in ("conv1", "conv2"):
        raise bad("gatePosition", "'conv1' or 'conv2'")
    if not (is_num(config["bnMomentum"]) and 0 <= config["bnMomentum"] <= 1):
        raise bad("bnMomentum", "in [0, 1]")
    if not (is_num(config["bnEpsilon"]) and config["bnEpsilon"] > 0):
        raise bad("bnEpsilon", "a number > 0")
    if not (is_num(config["dropout"]) and 0 <= config["dropout"] < 1):
        raise bad("dropout", "in [0, 1)")
    return config


def _build(config: dict):
    family, spec = MODEL_TABLE[config["name"]]
    return PSPNet(spec, config) if family == "pspnet" else ResNet(spec, config)


def create_model(name: str, options: dict | None = None):
    """A registered model (torch.nn.Module); forward(x [N, 3, H, W]) -> (logits, gates)."""
    return _build(resolve_model_config(name, options))


DERIVED_KEYS = ("name", "task", "gateHidden", "gateTau", "inputChannels", "outputStride")


def create_model_from_config(config: dict):
    """Rebuilds a model from a saved model config (e.g. a checkpoint's); refuses one this version would not write."""
    if not isinstance(config, dict):
        raise ValueError(f"create_model_from_config: argument 'config' must be a model config object; got {config!r}")
    _check_name("create_model_from_config", config.get("name"))
    options = {k: v for k, v in config.items() if k not in DERIVED_KEYS}
    resolved = resolve_model_config(config["name"], options)
    differs = [k for k in resolved if resolved[k] != config.get(k)]
    if differs:
        raise ValueError(f"create_model_from_config: argument 'config' is not a config this version produces for "
                         f"'{config['name']}' (differs in {', '.join(differs)})")
    return _build(resolved)
