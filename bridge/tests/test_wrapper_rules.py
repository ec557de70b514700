"""The reference wrapper's rules in isolation (no sidecar): the size/distance rule and the PNG
writer."""
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from frame_png import RawFrame, encode_png, side_by_side  # noqa: E402
from roc_episode import navigate_locations  # noqa: E402


def box_object(object_id, size, centre, visible=True):
    sx, sy, sz = size
    return {"objectId": object_id, "objectType": object_id.split("|")[0], "visible": visible,
            "axisAlignedBoundingBox": {"size": {"x": sx, "y": sy, "z": sz},
                                       "center": {"x": centre[0], "y": 0.5, "z": centre[1]}}}


def rule(objects):
    metadata = {"agent": {"position": {"x": 0.0, "y": 0.9, "z": 0.0}}, "objects": objects}
    return {row["objectId"]: row["isnavigable"] for row in navigate_locations(metadata)}


def test_small_objects_need_a_large_face_or_nearness_with_strict_bounds():
    found = rule([
        box_object("Plate|a", (0.5, 0.02, 0.5), (3.99, 0)),    # v 0.005, face 0.25 > 0.15, d < 4
        box_object("Plate|b", (0.5, 0.02, 0.5), (4.0, 0)),     # d = 4 is not < 4; v 0.005 is not > 0.005
        box_object("Pen|a", (0.1, 0.01, 0.1), (0.99, 0)),      # tiny but d < 1
        box_object("Pen|b", (0.1, 0.01, 0.1), (1.0, 0)),       # d = 1 is not < 1
        box_object("Mug|a", (0.1, 0.15, 0.1), (1.49, 0)),      # v 0.0015 > 0.001 and d < 1.5
        box_object("Mug|b", (0.1, 0.15, 0.1), (0.5, 0), visible=False),
    ])
    assert found == {"Plate|a": True, "Plate|b": False, "Pen|a": True, "Pen|b": False, "Mug|a": True,
                     "Mug|b": False}


def test_large_objects_are_navigable_unless_far_for_their_volume():
    found = rule([
        box_object("Fridge|near", (1.0, 2.0, 1.0), (5.0, 0)),       # v 2, rate 0.4
        box_object("Box|far", (0.25, 0.2, 0.2), (0.0, 9.0)),        # v 0.01, rate 0.0011; face 0.05; d 9
        box_object("Table|far", (1.0, 0.1, 1.0), (0.0, 9.0)),       # v 0.1, rate 0.011; face 1.0 > 0.5 and d < 10
        box_object("Floor|x", (10.0, 0.1, 10.0), (0.0, 0.0)),
    ])
    assert found == {"Fridge|near": True, "Box|far": False, "Table|far": True}


def test_rows_come_in_ascending_volume_over_distance_order_which_is_the_order_types_are_listed():
    metadata = {"agent": {"position": {"x": 0.0, "y": 0.9, "z": 0.0}}, "objects": [
        box_object("Fridge|1", (1.0, 2.0, 1.0), (2.0, 0)),   # rate 1.0
        box_object("Apple|1", (0.1, 0.1, 0.1), (0.5, 0)),    # rate 0.002
        box_object("Table|1", (1.0, 0.5, 1.0), (1.0, 0)),    # rate 0.5
    ]}
    assert [r["objectId"] for r in navigate_locations(metadata)] == ["Apple|1", "Table|1", "Fridge|1"]


def decode_png(data):
    """(width, height, raw RGB rows) of an 8-bit RGB PNG with filter type 0 everywhere."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, {}
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        body = data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks.setdefault(kind, b"")
        chunks[kind] += body
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 2)
    rows = zlib.decompress(chunks[b"IDAT"])
    stride = width * 3 + 1
    assert all(rows[y * stride] == 0 for y in range(height))
    return width, height, b"".join(rows[y * stride + 1:(y + 1) * stride] for y in range(height))


def test_the_standard_library_png_writer_keeps_every_pixel():
    pixels = bytes((x * 7 + y * 13 + c) % 256 for y in range(5) for x in range(4) for c in range(3))
    assert decode_png(encode_png(RawFrame(4, 5, pixels))) == (4, 5, pixels)


def test_the_observe_picture_frames_the_middle_view_with_black():
    left, back, right = (RawFrame(2, 1, bytes([v] * 6)) for v in (10, 20, 30))
    picture = side_by_side([left, back, right], border=1)
    assert picture.shape == (1, 8, 3)
    assert picture.tobytes() == bytes([10] * 6 + [0] * 3 + [20] * 6 + [0] * 3 + [30] * 6)


def test_with_opencv_the_observe_picture_is_labelled_as_the_wrapper_labels_it(tmp_path, monkeypatch):
    numpy = __import__("pytest").importorskip("numpy")
    # A stand-in cv2 that records putText and marks the image's first pixel in the given colour.
    (tmp_path / "cv2.py").write_text(
        "FONT_HERSHEY_SIMPLEX = 0\n"
        "calls = []\n"
        "def putText(image, text, origin, font, scale, colour, thickness):\n"
        "    calls.append((text, origin, font, scale, colour, thickness))\n"
        "    image[0, 0] = colour\n"
        "    return image\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "cv2", raising=False)
    import thor_lite_bridge
    views = [numpy.full((30, 4, 3), v, dtype=numpy.uint8) for v in (10, 20, 30)]
    picture = thor_lite_bridge.observe_picture(views)
    assert sys.modules["cv2"].calls == [("left view", (10, 10), 0, 3, (255, 0, 0), 3),
                                        ("back view", (10, 10), 0, 3, (255, 0, 0), 3),
                                        ("right view", (10, 5), 0, 3, (255, 0, 0), 3)]
    assert picture.shape == (30, 4 * 3 + 10, 3)
    # OpenCV draws in BGR: the wrapper's (255, 0, 0) is blue in the RGB picture.
    assert picture[0, 0].tolist() == [0, 0, 255] and picture[0, 9].tolist() == [0, 0, 255]
    assert picture[1, 0].tolist() == [10, 10, 10] and picture[1, 4].tolist() == [0, 0, 0]
