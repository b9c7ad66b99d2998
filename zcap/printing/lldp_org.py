"""LLDP's organisation-specific TLVs as tcpdump -v shows them: IEEE 802.1
(VLANs, protocol identity, link aggregation), IEEE 802.3 (MAC/PHY, power via
MDI, aggregation, frame size) and ANSI/TIA LLDP-MED (capabilities, network
policy, location format, extended power, inventory)."""

from __future__ import annotations

from zcap.printing.l2common import bits, printable, u16

OUI_8021, OUI_8023, OUI_MED = 0x0080C2, 0x00120F, 0x0012BB
SUBTYPES = {
    OUI_8021: {1: "Port VLAN Id", 2: "Port and Protocol VLAN ID", 3: "VLAN name",
               4: "Protocol Identity", 7: "Link aggregation", 8: "Congestion Notification",
               9: "ETS Configuration", 10: "ETS Recommendation",
               11: "Priority Flow Control Configuration", 12: "Application Priority", 13: "EVB",
               14: "CDCP"},
    OUI_8023: {1: "MAC/PHY configuration/status", 2: "Power via MDI", 3: "Link aggregation",
               4: "Max frame size"},
    OUI_MED: {1: "LLDP-MED Capabilities", 2: "Network policy", 3: "Location identification",
              4: "Extended power-via-MDI", 5: "Inventory - hardware revision",
              6: "Inventory - firmware revision", 7: "Inventory - software revision",
              8: "Inventory - serial number", 9: "Inventory - manufacturer name",
              10: "Inventory - model name", 11: "Inventory - asset ID"},
}
SUPPORT = {0x01: "supported", 0x02: "enabled"}
PPVID_FLAGS = {0x02: "supported", 0x04: "enabled"}
PMD_CAPABILITIES = {  # in tcpdump's order
    0x4000: "10BASE-T hdx", 0x2000: "10BASE-T fdx", 0x1000: "100BASE-T4",
    0x0800: "100BASE-TX hdx", 0x0400: "100BASE-TX fdx", 0x0200: "100BASE-T2 hdx",
    0x0100: "100BASE-T2 fdx", 0x0080: "Pause for fdx links", 0x0040: "Asym PAUSE for fdx",
    0x0020: "Sym PAUSE for fdx", 0x0010: "Asym and Sym PAUSE for fdx",
    0x0008: "1000BASE-{X LX SX CX} hdx", 0x0004: "1000BASE-{X LX SX CX} fdx",
    0x0002: "1000BASE-T hdx", 0x0001: "1000BASE-T fdx"}
MAU_TYPES = (
    "Unknown", "AUI", "10BASE_5", "FOIRL", "10BASE2", "10BASET duplex mode unknown", "10BASEFP",
    "10BASEFB", "10BASEFL duplex mode unknown", "10BROAD36", "10BASET hdx", "10BASET fdx",
    "10BASEFL hdx", "10BASEFL fdx", "100BASET4", "100BASETX hdx", "100BASETX fdx",
    "100BASEFX hdx", "100BASEFX fdx", "100BASET2 hdx", "100BASET2 fdx", "1000BASEX hdx",
    "1000BASEX fdx", "1000BASELX hdx", "1000BASELX fdx", "1000BASESX hdx", "1000BASESX fdx",
    "1000BASECX hdx", "1000BASECX fdx", "1000BASET hdx", "1000BASET fdx", "10GBASEX",
    "10GBASELX4", "10GBASER", "10GBASEER", "10GBASELR", "10GBASESR", "10GBASEW", "10GBASEEW",
    "10GBASELW", "10GBASESW")
MDI_SUPPORT = {0x01: "PSE", 0x02: "supported", 0x04: "enabled", 0x08: "can be controlled"}
MDI_PAIRS = {1: "signal", 2: "spare"}
MDI_CLASSES = {1: "class0", 2: "class1", 3: "class2", 4: "class3", 5: "class4"}
MED_CAPABILITIES = {0x01: "LLDP-MED capabilities", 0x02: "network policy",
                    0x04: "location identification", 0x08: "extended power via MDI-PSE",
                    0x10: "extended power via MDI-PD", 0x20: "Inventory"}
MED_DEVICES = {1: "endpoint class 1", 2: "endpoint class 2", 3: "endpoint class 3",
               4: "network connectivity"}
MED_APPLICATIONS = {1: "voice", 2: "voice signaling", 3: "guest voice",
                    4: "guest voice signaling", 5: "softphone voice", 6: "video conferencing",
                    7: "streaming video", 8: "video signaling"}
MED_POLICY_FLAGS = {0x80: "Unknown", 0x40: "Tagged", 0x20: "reserved"}
MED_LOCATION_FORMATS = {1: "coordinate-based LCI", 2: "civic address LCI", 3: "ECS ELIN"}
POWER_SOURCES = {1: "PSE - primary power source", 2: "local - backup power source",
                 3: "PSE+local - reserved"}
POWER_PRIORITIES = {1: "critical", 2: "high", 3: "low"}
INVENTORY = {5: "Hardware revision", 6: "Firmware revision", 7: "Software revision",
             8: "Serial number", 9: "Manufacturer name", 10: "Model name", 11: "Asset ID"}
IND = "\n\t    "


def _dot1(sub: int, v: bytes) -> str:
    if sub == 1 and len(v) >= 2:
        return f"{IND}port vlan id (PVID): {u16(v, 0)}"
    if sub == 2 and len(v) >= 3:
        return (f"{IND}port and protocol vlan id (PPVID): {u16(v, 1)}, "
                f"flags [{bits(PPVID_FLAGS, v[0])}] (0x{v[0]:02x})")
    if sub == 3 and len(v) >= 3:
        text = f"{IND}vlan id (VID): {u16(v, 0)}"
        if len(v) >= 3 + v[2]:
            text += f"{IND}vlan name: {printable(v[3:3 + v[2]])}"
        return text
    if sub == 4 and len(v) >= 1 and len(v) >= 1 + v[0]:
        return f"{IND}protocol identity: {printable(v[1:1 + v[0]])}"
    if sub == 7:
        return _aggregation(v)
    return ""


def _aggregation(v: bytes) -> str:
    if len(v) < 5:
        return ""
    port = int.from_bytes(v[1:5], "big")
    return f"{IND}aggregation status [{bits(SUPPORT, v[0])}], aggregation port ID {port}"


def _dot3(sub: int, v: bytes) -> str:
    if sub == 1 and len(v) >= 5:
        pmd, mau = u16(v, 1), u16(v, 3)
        name = MAU_TYPES[mau] if mau < len(MAU_TYPES) else "unknown"
        caps = bits(PMD_CAPABILITIES, pmd, "unknown")
        return (f"{IND}autonegotiation [{bits(SUPPORT, v[0])}] (0x{v[0]:02x})"
                f"{IND}PMD autoneg capability [{caps}] (0x{pmd:04x})"
                f"{IND}MAU type {name} (0x{mau:04x})")
    if sub == 2 and len(v) >= 3:
        return (f"{IND}MDI power support [{bits(MDI_SUPPORT, v[0])}], power pair "
                f"{MDI_PAIRS.get(v[1], 'unknown')}, power class "
                f"{MDI_CLASSES.get(v[2], 'unknown')}")
    if sub == 3:
        return _aggregation(v)
    if sub == 4 and len(v) >= 2:
        return f"{IND}MTU size {u16(v, 0)}"
    return ""


def _med(sub: int, v: bytes) -> str:
    if sub == 1 and len(v) >= 3:
        caps = u16(v, 0)
        return (f"{IND}Media capabilities [{bits(MED_CAPABILITIES, caps)}] (0x{caps:04x})"
                f"{IND}Device type [{MED_DEVICES.get(v[2], 'unknown')}] (0x{v[2]:02x})")
    if sub == 2 and len(v) >= 4:
        app, b1, b2, b3 = v[0], v[1], v[2], v[3]
        vlan = (b1 & 0x1F) << 7 | b2 >> 1
        return (f"{IND}Application type [{MED_APPLICATIONS.get(app, 'none')}] (0x{app:02x}), "
                f"Flags [{bits(MED_POLICY_FLAGS, b1)}]"
                f"{IND}Vlan id {vlan}, L2 priority {(b2 & 1) << 2 | b3 >> 6}, "
                f"DSCP value {b3 & 0x3F}")
    if sub == 3 and len(v) >= 1:
        return (f"{IND}Location data format "
                f"{MED_LOCATION_FORMATS.get(v[0], 'unknown')} (0x{v[0]:02x})")
    if sub == 4 and len(v) >= 3:
        b = v[0]
        # (tcpdump tests the low bits for the device type: an operator-precedence slip)
        kind = "PD device" if b & 3 else "PSE device"
        return (f"{IND}Power type [{kind}], Power source "
                f"[{POWER_SOURCES.get((b >> 4) & 3, 'none')}]"
                f"{IND}Power priority [{POWER_PRIORITIES.get(b & 15, 'none')}] (0x{b & 15:02x})"
                f", Power {u16(v, 1) / 10:.1f} Watts")
    if sub in INVENTORY:
        return f"\n\t  {INVENTORY[sub]} {printable(v)}"
    return ""


DECODERS = {OUI_8021: _dot1, OUI_8023: _dot3, OUI_MED: _med}


def org_text(oui: int, value: bytes) -> tuple[str, bool]:
    """The -v lines after an organisation-specific TLV's OUI, and whether tcpdump
    adds a hex dump of the value (OUIs and subtypes it does not know)."""
    names = SUBTYPES.get(oui)
    if names is None or len(value) < 4:
        return "", True
    sub = value[3]
    if sub not in names:
        return f"\n\t  unknown Subtype ({sub})", True
    return f"\n\t  {names[sub]} Subtype ({sub})" + DECODERS[oui](sub, value[4:]), False
