/// A camera control id (`V4L2_CID_*`): brightness, contrast, exposure, ...
///
/// The common ones are named; any driver-specific id works too
/// (`CameraControl(rawValue: 0x00f0f046)`), and ``Camera/controls()`` lists
/// what a device has, with names.
public struct CameraControl: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The V4L2 control id.
    public let rawValue: UInt32

    /// Wraps a control id.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `V4L2_CID_BRIGHTNESS`.
    public static let brightness = CameraControl(rawValue: 0x0098_0900)
    /// `V4L2_CID_CONTRAST`.
    public static let contrast = CameraControl(rawValue: 0x0098_0901)
    /// `V4L2_CID_SATURATION`.
    public static let saturation = CameraControl(rawValue: 0x0098_0902)
    /// `V4L2_CID_HUE`.
    public static let hue = CameraControl(rawValue: 0x0098_0903)
    /// `V4L2_CID_AUTO_WHITE_BALANCE` (boolean).
    public static let autoWhiteBalance = CameraControl(rawValue: 0x0098_090c)
    /// `V4L2_CID_GAMMA`.
    public static let gamma = CameraControl(rawValue: 0x0098_0910)
    /// `V4L2_CID_EXPOSURE` (driver units).
    public static let exposure = CameraControl(rawValue: 0x0098_0911)
    /// `V4L2_CID_AUTOGAIN` (boolean).
    public static let autoGain = CameraControl(rawValue: 0x0098_0912)
    /// `V4L2_CID_GAIN`.
    public static let gain = CameraControl(rawValue: 0x0098_0913)
    /// `V4L2_CID_HFLIP` (boolean).
    public static let horizontalFlip = CameraControl(rawValue: 0x0098_0914)
    /// `V4L2_CID_VFLIP` (boolean).
    public static let verticalFlip = CameraControl(rawValue: 0x0098_0915)
    /// `V4L2_CID_POWER_LINE_FREQUENCY` (menu: disabled, 50 Hz, 60 Hz, auto).
    public static let powerLineFrequency = CameraControl(rawValue: 0x0098_0918)
    /// `V4L2_CID_WHITE_BALANCE_TEMPERATURE` (kelvin).
    public static let whiteBalanceTemperature = CameraControl(rawValue: 0x0098_091a)
    /// `V4L2_CID_SHARPNESS`.
    public static let sharpness = CameraControl(rawValue: 0x0098_091b)
    /// `V4L2_CID_EXPOSURE_AUTO` (menu: auto, manual, shutter priority, aperture priority).
    public static let autoExposure = CameraControl(rawValue: 0x009a_0901)
    /// `V4L2_CID_EXPOSURE_ABSOLUTE` (units of 100 µs).
    public static let exposureAbsolute = CameraControl(rawValue: 0x009a_0902)

    /// The id in hex (`0x00980900`).
    public var description: String {
        let hex = String(rawValue, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - hex.count)) + hex
    }
}

/// What a device says about one of its controls (`VIDIOC_QUERYCTRL`).
public struct ControlInfo: Hashable, Sendable {
    /// The kind of value a control takes.
    public enum Kind: Hashable, Sendable {
        /// An integer in `minimum...maximum`, in `step`s.
        case integer
        /// 0 or 1.
        case boolean
        /// One of the ``ControlInfo/menu`` entries.
        case menu
        /// A push button: setting any value triggers it.
        case button
        /// A 64-bit integer (read through the extended API, not supported here).
        case integer64
        /// A heading in the list, not a control.
        case controlClass
        /// A string control (not supported here).
        case string
        /// A bitmask.
        case bitmask
        /// A menu of integers.
        case integerMenu
        /// Another V4L2 type, by number.
        case other(UInt32)
    }

    /// The id to pass to ``Camera/control(_:)`` and ``Camera/setControl(_:to:)``.
    public var id: CameraControl
    /// The driver's name (`"Brightness"`).
    public var name: String
    /// The name as `v4l2-ctl` spells it (`"brightness"`, `"inject_fatal_streaming_error"`).
    public var key: String
    /// The kind of value.
    public var kind: Kind
    /// The smallest value.
    public var minimum: Int32
    /// The largest value.
    public var maximum: Int32
    /// The step between values.
    public var step: Int32
    /// The default value.
    public var defaultValue: Int32
    /// The raw `V4L2_CTRL_FLAG_*` flags.
    public var flags: UInt32
    /// Menu entries by value, for ``Kind/menu`` controls.
    public var menu: [Int32: String]

    /// True when the control cannot be set (`V4L2_CTRL_FLAG_READ_ONLY`).
    public var isReadOnly: Bool { flags & 0x0004 != 0 }
    /// True when the control has no effect now, e.g. manual exposure while auto is on (`V4L2_CTRL_FLAG_INACTIVE`).
    public var isInactive: Bool { flags & 0x0010 != 0 }
    /// True when the control is disabled (`V4L2_CTRL_FLAG_DISABLED`).
    public var isDisabled: Bool { flags & 0x0001 != 0 }

    /// Creates a description (the test-pattern camera builds its own).
    public init(
        id: CameraControl, name: String, kind: Kind, minimum: Int32, maximum: Int32, step: Int32,
        defaultValue: Int32, flags: UInt32 = 0, menu: [Int32: String] = [:]
    ) {
        self.id = id
        self.name = name
        self.key = ControlInfo.key(forName: name)
        self.kind = kind
        self.minimum = minimum
        self.maximum = maximum
        self.step = step
        self.defaultValue = defaultValue
        self.flags = flags
        self.menu = menu
    }

    /// `v4l2-ctl`'s variable name for a control name: lower case, runs of
    /// other characters become one `_` ("Inject V4L2_BUF_FLAG_ERROR" →
    /// "inject_v4l2_buf_flag_error").
    public static func key(forName name: String) -> String {
        var key = ""
        var pendingUnderscore = false
        for scalar in name.unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                if pendingUnderscore { key += "_" }
                pendingUnderscore = false
                key.unicodeScalars.append(contentsOf: String(scalar).lowercased().unicodeScalars)
            } else if !key.isEmpty {
                pendingUnderscore = true
            }
        }
        return key
    }

    static func kind(ofV4L2Type type: UInt32) -> Kind {
        switch type {
        case 1: return .integer
        case 2: return .boolean
        case 3: return .menu
        case 4: return .button
        case 5: return .integer64
        case 6: return .controlClass
        case 7: return .string
        case 8: return .bitmask
        case 9: return .integerMenu
        default: return .other(type)
        }
    }
}
