"""Which demo requests should meet which demo offers (indexes into demo_data.LISTINGS).

Judged by reading the listings, not by running the matcher. Every offer/request pair not in
MATCH or UNSURE must not match; MUST_NOT names the tempting ones (shared words, wrong need).
"""

# (offer index, request index)
MATCH = {
    (0, 40), (1, 40),    # solar agricultural dryers <- coffee co-op needs a dryer
    (9, 41),             # industrial wastewater treatment <- electroplating wastewater
    (2, 42),             # CNC drilling machine <- CNC drilling and tapping
    (5, 43),             # Metarhizium biopesticide (coffee pests) <- biopesticide for coffee
    (7, 44),             # mushroom spawn incl. lingzhi <- lingzhi spawn and know-how
    (0, 47), (1, 47),    # solar dryers <- solar dryer for tea and cardamom
    (9, 48),             # industrial (food factory) wastewater <- coffee processing wastewater
    (21, 49),            # unfired brick line <- unfired brick press
    (15, 52),            # packing-line robot <- palletising robot and conveyor
}

# Defensible either way: neither rewarded nor punished.
UNSURE = {
    (3, 42), (31, 42),   # other CNC machines / CNC job shop for a drilling need
    (6, 43),             # Bt biopesticide for vegetables, not coffee
    (8, 44),             # cordyceps cultivation for a lingzhi grower
    (12, 45), (13, 45),  # factory / traceability software for a shop chain
    (26, 46),            # fish sauce process for a fish sauce bottling line
    (10, 48), (11, 48),  # small domestic plant / biogas for coffee wastewater
    (10, 41),            # domestic wastewater module for electroplating waste
    (22, 49),            # fly-ash recycling for a brick maker
    (13, 53),            # agricultural traceability platform for an e-commerce site
    (28, 54),            # fruit preservation for freeze-drying fruit
    (0, 54), (1, 54),    # solar dryers for freeze-drying fruit
    (8, 55), (1, 55),    # medicinal mushrooms / herb dryer for forest herbs
    (17, 57),            # rooftop solar for a village without grid (asked for hydro)
    (32, 56), (4, 56),   # production lines, but not for steel pipe
    (14, 52), (16, 52),  # vision QA / PLC panels for a palletising line
    (19, 43),            # organic fertiliser from coffee husk for coffee farming
    (27, 40),            # drip irrigation for coffee, not a dryer
}

MUST_NOT = {
    (23, 50), (39, 50),  # oxygen concentrator / hospital bed <- ultrasound machine
    (2, 56),             # CNC drilling of steel plate <- welded steel pipe line
    (20, 51),            # nano-silver textile finish <- water-based paint
    (18, 40),            # biomass boiler <- crop dryer
    (11, 41),            # livestock biogas <- electroplating wastewater
    (35, 58),            # ceramics <- 3D printer
}
