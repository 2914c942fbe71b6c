"""Word pools for plausible names, addresses and people."""

from __future__ import annotations

import random

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = [
    "建国",
    "建军",
    "国强",
    "志强",
    "志刚",
    "永刚",
    "海军",
    "海涛",
    "红军",
    "立新",
    "立民",
    "振华",
    "振兴",
    "建华",
    "卫东",
    "卫国",
    "文革",
    "向阳",
    "金山",
    "银海",
    "俊峰",
    "晓东",
    "晓明",
    "晓光",
    "春生",
    "春来",
    "秋生",
    "冬梅",
    "秀英",
    "秀兰",
    "桂兰",
    "玉兰",
    "丽娟",
    "丽华",
    "美玲",
    "淑芬",
    "红梅",
    "凤英",
    "翠花",
    "桂芝",
    "占军",
    "占国",
    "占山",
    "铁柱",
    "满仓",
    "福生",
    "福来",
    "喜顺",
    "保国",
    "保华",
    "成林",
    "树林",
    "松林",
    "长海",
    "长青",
    "永强",
    "永生",
    "兴旺",
    "德胜",
    "德明",
    "国庆",
    "建设",
    "学军",
    "新民",
    "玉柱",
    "宝山",
    "宝林",
    "素芹",
    "素英",
    "彦军",
    "彦平",
    "雪峰",
]
VILLAGE_STEMS = [
    "东关",
    "西关",
    "南关",
    "北关",
    "东王",
    "西王",
    "南庄",
    "北庄",
    "前营",
    "后营",
    "东营",
    "西营",
    "刘家庄",
    "李家庄",
    "张家庄",
    "王家庄",
    "赵家庄",
    "孙家庄",
    "马家庄",
    "高家庄",
    "大安舍",
    "小安舍",
    "南寨",
    "北寨",
    "东寨",
    "西寨",
    "上庄",
    "下庄",
    "中庄",
    "河东",
    "河西",
    "北杨",
    "南杨",
    "东杨",
    "西杨",
    "石桥",
    "杜村",
    "郭村",
    "梁村",
    "柳林",
    "杏园",
    "桃园",
    "枣园",
    "梨园",
    "新城",
    "新庄",
    "北辛庄",
    "南辛庄",
    "西五里",
    "东五里",
    "三里屯",
    "十里铺",
    "岗头",
    "坡底",
    "沟里",
    "台头",
    "南岗",
    "北岗",
    "双庙",
    "三官",
    "韩家洼",
    "吴家窑",
]
TOWNSHIP_STEMS = [
    "城关",
    "东王",
    "西王",
    "南董",
    "北苏",
    "大河",
    "小河",
    "石桥",
    "新城",
    "马村",
    "杜村",
    "高庄",
    "龙泉",
    "凤山",
    "柳林",
    "黄庄",
    "南营",
    "北营",
    "东阳",
    "西阳",
    "岗头",
    "合作",
    "太平",
    "长兴",
    "永安",
    "兴隆",
    "宏达",
    "常山",
    "滹沱",
    "古城",
    "槐树",
    "松林",
    "郭庄",
    "贾村",
]
SHOP_SUFFIXES = ("加工厂", "加工点", "作坊", "有限公司", "厂", "加工部", "制品厂", "经营部")
TRADE_PREFIXES = (
    "宏达",
    "鑫源",
    "兴旺",
    "永盛",
    "利民",
    "恒通",
    "金鑫",
    "泰和",
    "顺发",
    "隆达",
    "华星",
    "众诚",
)

#: industry code → products made, so names and 主要产品 agree
PRODUCTS = {
    "asphalt_felt": ("油毡", "防水卷材", "沥青油毡"),
    "vermiculite": ("蛭石", "膨胀蛭石", "蛭石粉"),
    "calcium_magnesium": ("氧化钙", "氧化镁", "白灰"),
    "wire_drawing": ("钢丝", "铁丝", "镀锌丝"),
    "small_board": ("胶合板", "密度板", "细木工板"),
    "plastic_pellet": ("塑料颗粒", "再生颗粒"),
    "waste_plastic": ("再生塑料", "塑料片"),
    "casting": ("铸件", "铸铁件"),
    "stone": ("石材板", "石子", "石粉"),
    "furniture": ("家具", "木门", "橱柜"),
    "wood": ("木方", "木托盘"),
    "rubber": ("橡胶件", "胶圈"),
    "spraying": ("喷涂件", "喷漆件"),
    "dyeing": ("印染布", "色织布"),
    "chemical": ("化工原料", "胶水"),
    "boiler": ("供热",),
    "brick_kiln": ("红砖", "砖坯"),
    "lime_kiln": ("石灰",),
    "tire_pyrolysis": ("燃料油", "炭黑"),
    "electroplating": ("镀锌件", "电镀件"),
    "leather": ("皮革", "皮件"),
    "asphalt_mixing": ("沥青混合料",),
    "concrete": ("商品混凝土", "水泥制品"),
    "feed": ("饲料",),
    "food": ("豆制品", "粉条", "淀粉"),
    "other": ("五金件", "包装箱", "编织袋"),
}

MEASURES = {
    "shutdown": "断水断电，清除原料、产品和生产设备，依法取缔",
    "relocate": "限期搬迁入园，整合后办理环评等审批手续",
    "upgrade": "完善污染治理设施，补办环评、土地等审批手续，达标排放",
}


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10)}{rng.randrange(10**8):08d}"


def township_names(rng: random.Random, count: int, urban: bool = False) -> list[str]:
    """Townships of a county, or mostly streets (街道) of an urban district."""
    stems = rng.sample(TOWNSHIP_STEMS, count)
    if urban:
        return [s + ("街道" if rng.random() < 0.7 else "镇") for s in stems]
    return [s + ("乡" if rng.random() < 0.35 else "镇") for s in stems]


def village(rng: random.Random) -> str:
    return rng.choice(VILLAGE_STEMS) + "村"


def enterprise_name(rng: random.Random, village_name: str, industry_code: str) -> str:
    product = rng.choice(PRODUCTS.get(industry_code, PRODUCTS["other"]))
    style = rng.random()
    if style < 0.45:
        return f"{village_name.removesuffix('村')}{rng.choice(SURNAMES)}记{product}{rng.choice(SHOP_SUFFIXES)}"
    if style < 0.8:
        return f"{rng.choice(TRADE_PREFIXES)}{product}{rng.choice(SHOP_SUFFIXES)}"
    return f"{village_name}{rng.choice(SURNAMES)}某{product}加工点"


def products_of(rng: random.Random, industry_code: str) -> str:
    return rng.choice(PRODUCTS.get(industry_code, PRODUCTS["other"]))
