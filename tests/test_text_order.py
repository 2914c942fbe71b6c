"""Chinese text sorts by pinyin, as Excel and WPS sort it."""

from __future__ import annotations

from controllers.text_order import sort_key, sorted_texts


def test_chinese_sorts_by_pinyin_and_tone():
    names = ["中国", "张三", "阿里", "北京", "安平", "爱", "八", "巴", "拔", "把", "爸"]
    assert sorted_texts(names) == [
        "阿里",
        "爱",
        "安平",
        "八",
        "巴",
        "拔",
        "把",
        "爸",
        "北京",
        "张三",
        "中国",
    ]


def test_units_of_the_city_in_pinyin_order():
    units = ["正定县", "行唐县", "灵寿县", "新乐市", "晋州市", "井陉县", "长安区", "无极县", "赵县"]
    # 长 as in 长安 (cháng), 行 as in 行唐 (xíng): the reading most phrases use
    assert sorted_texts(units) == [
        "长安区", "晋州市", "井陉县", "灵寿县", "无极县", "新乐市", "行唐县", "赵县", "正定县",
    ]  # fmt: skip


def test_digits_then_letters_then_chinese_with_width_and_case_folded():
    texts = ["蛭石厂", "Apple 公司", "123 号", "ＡＢＣ加工点", "abc 加工点", "apple"]
    assert sorted_texts(texts) == [
        "123 号",
        "abc 加工点",
        "ＡＢＣ加工点",
        "apple",
        "Apple 公司",
        "蛭石厂",
    ]


def test_sort_key_orders_like_sorted_texts_and_breaks_ties_by_text():
    texts = ["乙厂", "甲厂", "ABC", "abc", "丙厂", "丁厂", ""]
    assert sorted(texts, key=sort_key) == sorted_texts(texts)
    assert sort_key("ABC") != sort_key("abc")
    assert sort_key("甲") < sort_key("甲厂")  # a prefix first


def test_the_order_file_is_what_its_script_makes_from_pypinyin():
    from resources.collation.build_pinyin_order import TARGET, pinyin_order_text

    assert TARGET.read_text(encoding="utf-8") == pinyin_order_text()
