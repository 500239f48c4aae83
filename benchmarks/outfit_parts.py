"""Garment regions of outfit photos: the seed's rows against the pose model, on labelled photos.

For every photo in tests/fixtures/outfits (labels.json: hand-labelled boxes, null = not in the
frame) both methods cut the photo, and per garment we report the vertical IoU (overlap of the
row spans: what matters most for which garment a crop shows), the box IoU, how many garments
that are not in the photo were invented, and the time per photo of the pose method (model
load excluded: it happens once per process). A garment the method reports missing counts as
IoU 0 where the label has it. A one-piece is scored as top and as bottom.

    .venv/bin/python benchmarks/outfit_parts.py [--threads 2] [--repeats 3] [--per-photo]
        [--split tuning|held-out|fresh|fresh-3|fresh-5|fresh-6|fresh-7|fresh-8|fresh-9|fresh-10|fresh-11
                 |fresh-12|fresh-13|fresh-14|fresh-15|fresh-16|fresh-17|fresh-18
                 |fresh-19|fresh-20|fresh-21|fresh-22|fresh-23|fresh-24]
        [--no-detector]

The pose method uses MediaPipe's person detector when its file is beside the landmark model
(`--no-detector`: the landmark model alone, as before the detector stage was added).

Splits (labels.json): "tuning" (14 photos the first rules were tuned on), "held-out" (5 kept
out of the first round, used for tuning in the second), "fresh" (8 labelled for the second
round and never used to tune anything), "fresh-3" (4 added in round 3, the person detector:
a dress, a suit with a tucked shirt, seated, white on white; never used to tune anything),
"fresh-5" (8 added in round 5 as the unseen report set: a skirt, a dress, a tucked top, seated
and cross-legged people, a raised foot, a photo cut at mid-thigh; labelled by someone who never
ran the method on them, left out of the tests, never used to tune anything), "fresh-6" (11 added
in round 6 as a second unseen report set, labelled the same way: ripped jeans, a maxi skirt, two
dresses, seated on a chair and on the ground, a raised foot, a long coat, one-colour tracksuits,
a headless view from above, cuts at the knees and at mid-thigh), "fresh-7" (13 added in round 7
as a third unseen report set, labelled the same way: skirts, shorts, tucked tops, a lace gown,
seated on a ledge, a railing and a bathtub rim, a boot sole raised at the camera, low angles,
cuts at the thighs and at mid-calf; designed on in round 8 and used by its tests), "fresh-8" (11 added in round 8 as a fourth unseen report
set, labelled the same way: biker shorts, two dresses (a knit shirt dress crouching, a slip
dress seen from the back), tucked tops, jeans with a tee, seated on a bench, crossed legs, a
phone on a tripod in front of the body, two black-and-white photos, cuts at the shins),
"fresh-9" (15 added in round 9 as a fifth unseen report set, labelled the same way: everyday
outfits (a shirt tucked into trousers with trainers, a hoodie with joggers, a fur jacket with
jeans and knee boots, a trench coat over wide trousers), a walking maxi dress, a long dress cut
at the shins, tucked tops, denim shorts, five seated people (a stool, steps in shorts, a
cream suit, two cafe chairs, one with the face cut), cuts at the thighs and the shins),
"fresh-10" (11 added in round 10 as a sixth unseen report set, labelled the same way: everyday
shirts, jackets and coats over trousers and jeans (a red shirt tucked in, walking; an open
blazer; a fur coat; a varsity jacket), a plaid skirt and a frayed denim mini, a crouching man in
trainers, a man on a stool with one knee up, mostly cut at the thighs, knees or shins),
"fresh-11" (8 added in round 11 as a seventh unseen report set, labelled the same way: three
kameez sets (a long tunic over trousers; a shawl held out, a dupatta to the floor), a seated
kameez set in heels, a man reclining with his legs raised (tank top, cargo trousers, boots),
and three cut at the thighs: a navy blazer, an open shirt, a denim jacket over a tee),
"fresh-12" (10 added in round 12 as an eighth unseen report set, labelled the same way: mostly
everyday outfits (a red tee with jeans and boots, walking; a leather jacket over a tee with jeans
and high-tops; a tee with black jeans, one foot raised on a bar; a bomber jacket with ripped
jeans, one knee raised; a tee over jeans cut at the upper thighs), two seated people with their
shoes in view (an open plaid shirt with jeans on a cajon; a tee tucked into a pleated midi skirt
on steps), a man crouching in socks with a tee pulled over his nose, a lace blouse tucked into a
mint pencil bottom in profile (cut at the thighs), and a polka-dot midi dress, walking),
"fresh-13" (5 added in round 13 as a ninth unseen report set, labelled the same way: everyday
outfits with jeans (a
grey hoodie with fists raised, cut at the thighs; a check blazer over a tucked camisole with
skinny jeans and strappy heels, walking; a white tee with a phone held out to photograph a shirt
on a hanger, cut at the thighs) and two cropped sweat sets with joggers (seated low in an armchair
in sneakers; standing in chunky shoes)),
"fresh-14" (14 added in round 14 as a tenth unseen report set, labelled the same way: everyday
men's outfits (tees and printed shirts over jeans, trousers or shorts with trainers, standing,
leaning with a foot back on a wall, a tee tucked into baggy jeans at night in the rain, a check
shirt tucked in with a briefcase in front), shorts (a white tee with white shorts, a
black shirt with black shorts, a printed shirt with khaki shorts cut at the shins), two seated
on benches (cut at the shins) and cuts at the thighs, knees and shins (a tucked shirt with a
jacket held over the shoulder, an open check shirt over a tee, a camera held to the face)),
"fresh-15" (20 added in round 15 as an eleventh unseen report set, labelled the same way: women's
outfits above all: everyday jackets, shirts and tees over jeans or trousers with sneakers or boots
(an open utility jacket with ripped jeans, an open overshirt with wide jeans and legs apart, a back
view in a shirt with check trousers, a tee tucked into mom jeans walking down steps from a low
angle, a denim shirt open over white trousers with shopping bags), crouching (white shorts with
ankle boots; a blouse with jeans and heels), seated (on a stool in a plaid mini skirt; barefoot on a
sideboard), a foot raised on a bench in flared trousers, skirts (a red
mini, a pleated tennis skirt, a print maxi skirt barefoot), a shirt dress with tied sandals, and
cuts at the thighs (a knit vest, a sheer blouse and a man's tee over jeans, a corset top)),
"fresh-16" (12 added in round 16 as a twelfth unseen report set, labelled the same way: women's
everyday outfits: jackets, blazers, coats, shirts and tees over jeans or trousers (an open cardigan
over jeans with chunky sneakers, cut at the chest; a knotted print shirt with mom jeans; a blazer with
wide trousers and white sneakers; a long open coat over a shirt and wide trousers; a red suit walking
in strappy heels; a blazer leaning back on a wall in ankle boots; a shirt with wide trousers,
barefoot), three seated (a denim jacket on a stool, a blazer on a block, a tee on rocks, cut at the
knees or shins), a floral maxi dress held out with lace-up boots, and a ruffled blouse leaning back
from a low angle, cut at the shins),
"fresh-17" (added in round 17 as a thirteenth unseen report set, labelled the same way: everyday
men's and women's outfits from another shop: a tee with jeans seated on a stool in trainers, a
suit walking down stairs, a turtleneck tucked into mom jeans with a foot raised in green sneakers,
a fringed denim top with flared jeans under a pink coat hanging from one shoulder, a denim shirt
with ripped jeans seated on a ledge (cut at the chest), a puffer jacket over a tee (cut at the
hips), and ripped jeans with skate sneakers seen from the waist down),
"fresh-18" (added in round 18 as a fourteenth unseen report set, labelled the same way: men's and
women's outfits from another shop: a yellow maxi dress and a colour-block midi dress with sneakers,
a white maxi dress walking barefoot, a floor-length gown hiding the feet, an orange suit with a foot
raised in sandals, cargo jeans with slides under an open denim shirt (cut at the chest), and an
oversized tee over trousers, a corduroy puffer over white trousers and an oversized tee over white
trousers, each cut at the thighs),
"fresh-19" (added in round 19 as a fifteenth unseen report set, labelled the same way: everyday
photos from three other sources: a white tee with ripped jeans on a skateboard (cut at the chest, a
foot raised), a white tee with jeans cut at the neck and ankles, a tee with ripped jeans seated on a
ledge in sneakers (cut at the chest), a tee behind a held poster (cut at the thighs), a black jacket
with yellow trousers and boots small in the frame, ripped jeans with sneakers from the thighs down,
and five dresses: three midi dresses and a short shirt dress in heels, a shirt dress seated barefoot),
"fresh-20" (added in round 20 as a sixteenth unseen report set, labelled the same way: photos
from three other shops: a white shirt with beige trousers cut at the shins, a mesh crop top with
ripped wide jeans and sneakers, a leather jacket with cargo trousers and combat boots, a long coat
seated on steps in sneakers, a cardigan over a tank and belted jeans cut at the hips, two near-copy
black tees with ripped jeans seated on a stool (cut at the shins), and four one-pieces: a black
dress under a jacket with a foot on a ledge in boots, a belted blazer dress, a bodycon dress with
gloves and a lace dress with a chunky cardigan, each cut at the thighs or knees),
"fresh-21" (added in round 21 as a seventeenth unseen report set, labelled the same way: Unsplash
and Pexels photos from two other shops, women and men: a white top tucked into jeans with sneakers, a
denim jacket over beige trousers cut at the thighs, a denim jacket with cut-off shorts cut at the
thighs, a leather jacket with jeans seated on a ledge in sneakers, three pairs of shorts (a tank in a
field with sneakers, a red top with a jacket off the shoulders and boots on an escalator, a fringed
jacket seated on logs in boots), a knit top over a tulle midi skirt with boots seen from behind, a
white top with a corset belt and black trousers in boots, a tank with jeans seated on the ground in
sneakers, a tucked shirt with beige trousers cut at the shins and a crop top over a wrap maxi skirt
cut at the shins),
"fresh-22" (added in round 22 as an eighteenth unseen report set, labelled the same way: Unsplash
photos from round 8's shop, all women: a crop tank with denim shorts and sneakers by parked cars, a
sports bra with a pleated tennis skirt and sneakers, arms up, shorts from a low angle with a knee
raised, a long coat over leggings with a foot flat on the wall, patched jeans with the back foot
raised (cut at the chest), an off-shoulder blouse over print trousers and a striped crop polo over
cord trousers (both cut at the knees), a denim jacket with jeans from behind (cut at the thighs),
five seated or crouching (a varsity jacket with joggers on a ledge, a cami with a white skirt on a
court, a shirt with jeans cut at the knees, crossed legs with shorts in a rope swing, a sports bra
with leggings crouching) and three one-piece dresses (a tulle dress with puffed sleeves, a white
slip dress in side view, a black slip dress seated in the dark), each cut above the feet),
"fresh-23" (added in round 23 as a nineteenth unseen report set, labelled the same way: Pexels
photos from two other shops, seven men and six women: a jacket with jeans walking with the legs
crossing and canvas sneakers, a colour-block tee with sports shorts and sneakers on a padel court, a
yellow tee with jeans and one foot raised against the wall, two hoodies and a sweatshirt (standing
and cut at the thighs, seated on a stool, seated leaning forward) and a hoodie from a low angle cut
at the hips; a white tee with black jeans cut at the thighs, an open kimono over denim shorts cut at
the shins, and four one-piece dresses: a floral maxi dress seated barefoot on a stump, a halter maxi
dress walking through flowers, a sequin midi dress with heels small in a landscape frame and a
ruffled off-shoulder dress in side view cut at the thighs),
"fresh-24" (added in round 24 as a twentieth unseen report set, labelled the same way: Pexels
photos from a fashion gallery's credited set, thirteen women: a leather crop top over a leopard mesh
top with black jeans and one foot raised on a jeep's step, a metallic bomber with mom jeans and one
foot raised against the other calf, a blazer over denim shorts with over-the-knee boots seated with
the legs crossed, a crop top with a white skirt from behind, a bandeau top with a slit midi skirt, a
knotted tank with print shorts, a sweater with arms raised, a half-tucked shirt and a tucked top with
jeans, each cut at the hips, thighs or knees, and four one-piece dresses: a print dress cut at its
hem, a chiffon dress held up over bare legs and bare feet with the head cut off, a slip dress with a
slit and a skater dress under an open lace kimono, both cut at the thighs).
Each split's worst photo per garment is printed.

Background removal is off here (the rembg weights are not on every machine); the pose method
then takes the person's width from the pose model's own mask.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.photos import pose_model as pm
from core.photos.background import CutOut
from core.photos.garment_regions import PARTS, GarmentRegions, find_regions
from core.photos.images import load_image

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "outfits"
SPLITS = ("tuning", "held-out", "fresh", "fresh-3", "fresh-5", "fresh-6", "fresh-7",
          "fresh-8", "fresh-9", "fresh-10", "fresh-11", "fresh-12", "fresh-13", "fresh-14",
          "fresh-15", "fresh-16", "fresh-17", "fresh-18", "fresh-19",
          "fresh-20", "fresh-21", "fresh-22", "fresh-23", "fresh-24")
TUNED = ("tuning", "held-out")  # every photo the second round was tuned on
TITLES = {None: "all photos", TUNED: "tuned on in round 2 (tuning + held-out)",
          "tuning": "tuning photos (both rounds tuned on them)",
          "held-out": "held-out in round 1 (tuned on in round 2)",
          "fresh": "fresh photos (labelled for round 2, never used for tuning)",
          "fresh-3": "fresh photos of round 3 (a dress, a suit, seated, white on white; "
                     "labelled before anything ran on them, never used for tuning)",
          "fresh-5": "unseen report set of round 5 (a skirt, a dress, a tucked top, seated, a "
                     "raised foot, cut at mid-thigh; left out of the tests, never tuned on)",
          "fresh-6": "unseen report set of round 6 (jeans, a skirt, dresses, seated, a raised "
                     "foot, a long coat, one-colour tracksuits, no head; left out of the tests)",
          "fresh-7": "report set of round 7 (skirts, shorts, tucked tops, a gown, seated, a sole "
                     "raised at the camera, low angles; designed on and tested in round 8)",
          "fresh-8": "unseen report set of round 8 (shorts, dresses, tucked tops, jeans, seated, "
                     "a phone in front, black and white; left out of the tests)",
          "fresh-9": "unseen report set of round 9 (everyday tees, shirts, hoodie and jeans, "
                     "dresses, shorts, tucked tops, seated; left out of the tests)",
          "fresh-10": "unseen report set of round 10 (everyday shirts, jackets and coats over "
                      "trousers, a skirt, a denim mini, crouching, seated; left out of the tests)",
          "fresh-11": "unseen report set of round 11 (kameez sets, seated in heels, reclining "
                      "with raised legs, a blazer, a denim jacket; left out of the tests)",
          "fresh-12": "unseen report set of round 12 (everyday tees and jackets with jeans, "
                      "walking, a raised foot and knee, seated in sneakers, a pleated skirt, "
                      "crouching in socks, a dress; left out of the tests)",
          "fresh-13": "unseen report set of round 13 (everyday tops with jeans: a hoodie, a blazer with heels walking, a tee with a phone and a "
                      "held shirt; two sweat sets, one seated in sneakers; left out of the tests)",
          "fresh-14": "unseen report set of round 14 (everyday men's tees and shirts with jeans, "
                      "trousers and shorts, trainers, a foot on a wall, seated on benches, cuts at "
                      "the thighs, knees and shins; left out of the tests)",
          "fresh-15": "unseen report set of round 15 (women's everyday outfits: jackets, shirts "
                      "and tees over jeans with sneakers, a back view, walking down steps, "
                      "crouching, seated, a raised foot, a mini, a tennis and a maxi skirt, a shirt "
                      "dress, cuts at the thighs; left out of the tests)",
          "fresh-16": "unseen report set of round 16 (women's everyday jackets, blazers, a coat, "
                      "shirts and tees over jeans or trousers, walking, three seated, a maxi dress "
                      "with boots, cuts at the chest, knees and shins; left out of the tests)",
          "fresh-17": "unseen report set of round 17 (men's and women's everyday tees, shirts, "
                      "a suit and jackets with jeans or trousers, seated with shoes in view, "
                      "walking down stairs, a raised foot, cuts at the chest, hips and waist; "
                      "left out of the tests)",
          "fresh-18": "unseen report set of round 18 (four dresses: two with sneakers, one "
                      "barefoot, a gown hiding the feet; a suit with a raised foot in sandals, cargo "
                      "jeans in slides cut at the chest, tees and a puffer cut at the thighs; left "
                      "out of the tests)",
          "fresh-19": "unseen report set of round 19 (everyday tees with jeans: on a skateboard, "
                      "seated on a ledge, behind a held poster, cut at the chest, neck or thighs; "
                      "yellow trousers small in the frame, jeans from the thighs down; five dresses, "
                      "one seated barefoot; left out of the tests)",
          "fresh-20": "unseen report set of round 20 (a shirt, a mesh crop top, a leather jacket, "
                      "a long coat seated on steps and a cardigan cut at the hips over jeans or "
                      "trousers; two near-copy black tees seated on a stool; four black or white "
                      "one-pieces with jackets, gloves or a cardigan; left out of the tests)",
          "fresh-21": "unseen report set of round 21 (men's and women's jackets, tops and shirts "
                      "over jeans, trousers, three pairs of shorts and two skirts; two seated with "
                      "shoes in view, a back view, cuts at the thighs and shins; left out of the "
                      "tests)",
          "fresh-22": "unseen report set of round 22 (women's everyday and sports outfits: three "
                      "pairs of shorts, two skirts, three one-piece dresses cut above the feet, "
                      "five seated or crouching, three raised feet, crossed legs, a back view, cuts "
                      "at the chest, thighs and knees; left out of the tests)",
          "fresh-23": "unseen report set of round 23 (seven men: a jacket with jeans, shorts on "
                      "a padel court, a foot raised on the wall, hoodies and a sweatshirt standing, "
                      "seated or from a low angle; six women: a tee with jeans, a kimono over "
                      "shorts, four one-piece dresses, one seated barefoot, one small in the "
                      "frame; left out of the tests)",
          "fresh-24": "unseen report set of round 24 (thirteen women: two raised feet, one seated "
                      "with crossed legs and over-the-knee boots, a back view, a skirt with slits, "
                      "print shorts, jeans and a half-tucked shirt cut at the hips, thighs or knees, "
                      "four one-piece dresses, one over bare legs and bare feet, one under an open "
                      "lace kimono; left out of the tests)"}
Box = tuple[int, int, int, int]


def vertical_iou(a: Box, b: Box) -> float:
    inter = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    union = max(a[3], b[3]) - min(a[1], b[1])
    return inter / union if union > 0 else 0.0


def box_iou(a: Box, b: Box) -> float:
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def predicted(regions: GarmentRegions, part: str) -> Box | None:
    if part in regions.boxes:
        return regions.boxes[part]
    if part in ("top", "bottom") and "onepiece" in regions.boxes:
        return regions.boxes["onepiece"]
    return None


def load_labelled(split: str | None = None) -> list[tuple[str, CutOut, dict[str, Box | None]]]:
    """The labelled photos (of one split of SPLITS, when given)."""
    labels = json.loads((FIXTURES / "labels.json").read_text())["photos"]
    out = []
    for name, entry in sorted(labels.items()):
        if split is not None and entry.get("split") != split:
            continue
        image = load_image((FIXTURES / name).read_bytes(), name, max_pixels=40_000_000,
                           max_side=2048).image
        cut = CutOut(image.convert("RGBA"), image, False)
        out.append((name, cut, {p: (tuple(entry[p]) if entry[p] else None) for p in PARTS}))
    return out


def _splits() -> dict[str, str]:
    labels = json.loads((FIXTURES / "labels.json").read_text())["photos"]
    return {name: entry.get("split", "tuning") for name, entry in labels.items()}


def _all_splits() -> tuple[str, ...]:
    """The known splits, then any other split labels.json names (a split added later is
    scored on its own too, under its own name)."""
    found = sorted(set(_splits().values()) - set(SPLITS))
    return (*SPLITS, *found)


def score(results: dict[str, list[tuple[str, GarmentRegions, dict]]]) -> dict[str, dict]:
    table: dict[str, dict] = {}
    for method, rows in results.items():
        stats: dict[str, dict[str, list[float]]] = {p: {"v": [], "b": []} for p in PARTS}
        invented = 0
        for _name, regions, truth in rows:
            for part in PARTS:
                guess = predicted(regions, part)
                if truth[part] is None:
                    invented += guess is not None
                    continue
                stats[part]["v"].append(vertical_iou(guess, truth[part]) if guess else 0.0)
                stats[part]["b"].append(box_iou(guess, truth[part]) if guess else 0.0)
        table[method] = {"parts": {p: (statistics.mean(s["v"] or [0.0]),
                                       statistics.mean(s["b"] or [0.0]), len(s["v"]))
                                   for p, s in stats.items()},
                         "invented": invented}
    return table


def worst_photo(rows: list[tuple[str, GarmentRegions, dict]], part: str) -> tuple[str, float]:
    """The labelled photo whose `part` the method found worst (missing counts as 0)."""
    scored = [(vertical_iou(predicted(r, part), truth[part]) if predicted(r, part) else 0.0,
               name) for name, r, truth in rows if truth[part] is not None]
    worst = min(scored, default=(0.0, "-"))
    return worst[1], worst[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--per-photo", action="store_true")
    parser.add_argument("--split", choices=_all_splits(), default=None,
                        help="only the photos of this split")
    parser.add_argument("--no-detector", action="store_true",
                        help="the landmark model alone, without MediaPipe's person detector")
    args = parser.parse_args()
    model = pm.PoseModel(pm.configured_path("") or pm.default_model_path(), threads=args.threads,
                         detector=not args.no_detector)
    photos = load_labelled(args.split)
    results: dict[str, list] = {"rows": [], "pose": []}
    times: list[float] = []
    model_times: list[float] = []  # one pose estimate (detector and landmark passes)
    for name, cut, truth in photos:
        results["rows"].append((name, find_regions(cut, None), truth))
        best = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            regions = find_regions(cut, model)
            best = min(best, time.perf_counter() - start)
        times.append(best)
        one = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            model.estimate(cut.on_white)
            one = min(one, time.perf_counter() - start)
        model_times.append(one)
        results["pose"].append((name, regions, truth))
        if args.per_photo:
            rows_v = [vertical_iou(predicted(results["rows"][-1][1], p), truth[p])
                      if truth[p] and predicted(results["rows"][-1][1], p) else None for p in PARTS]
            pose_v = [vertical_iou(predicted(regions, p), truth[p])
                      if truth[p] and predicted(regions, p) else None for p in PARTS]
            print(name, "rows", [None if v is None else round(v, 2) for v in rows_v],
                  "pose", [None if v is None else round(v, 2) for v in pose_v],
                  "missing", regions.missing, "parts", sorted(regions.boxes))
    print(f"{len(photos)} labelled photos, {args.threads} threads, best of {args.repeats}, "
          f"person detector: {'yes' if model.detector else 'no'}")
    splits = _splits()
    for keep in (None, TUNED, *_all_splits()):
        subset = {m: [r for r in rows if keep is None or splits[r[0]] in
                      (keep if isinstance(keep, tuple) else (keep,))]
                  for m, rows in results.items()}
        if not subset["pose"]:
            continue
        table = score(subset)
        print(f"\n{TITLES.get(keep, keep)}: {len(subset['pose'])}\n")
        print("| garment | photos | rows: vertical IoU | pose: vertical IoU | rows: box IoU | "
              "pose: box IoU | worst photo (pose vertical IoU) |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for part in PARTS:
            rv, rb, n = table["rows"]["parts"][part]
            pv, pb, _ = table["pose"]["parts"][part]
            name, worst = worst_photo(subset["pose"], part)
            print(f"| {part} | {n} | {rv:.2f} | {pv:.2f} | {rb:.2f} | {pb:.2f} | "
                  f"{name} ({worst:.2f}) |")
        print(f"\ngarments not in the photo but invented: rows {table['rows']['invented']}, "
              f"pose {table['pose']['invented']}")
    print(f"pose method, seconds per photo: median {statistics.median(times):.3f}, "
          f"max {max(times):.3f} (of which one pose estimate: median "
          f"{statistics.median(model_times):.3f}; photos cut by the frame are estimated up to "
          f"3 times); load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
