"""The AG Grid look of the desk pages' grids (region profile, explorer, audit) and its Chinese texts."""

# AG Grid's Theming API, in the dark desk colours; the font is named so that no web font is fetched.
GRID_THEME = {
    "function": "themeQuartz.withParams({backgroundColor: '#10233c', foregroundColor: '#e6eef8', "
    "headerBackgroundColor: '#142b4a', accentColor: '#4fb3ff', borderColor: '#1f3550', "
    "oddRowBackgroundColor: '#0f2037', browserColorScheme: 'dark', fontSize: 14, "
    "fontFamily: ['Noto Sans CJK SC', 'Microsoft YaHei', 'sans-serif']})"
}
AG_GRID_ZH = {"noRowsToShow": "没有数据", "loadingOoo": "加载中…", "filterOoo": "筛选…", "equals": "等于",
              "notEqual": "不等于", "contains": "包含", "notContains": "不包含", "startsWith": "开头是",
              "endsWith": "结尾是", "lessThan": "小于", "greaterThan": "大于", "lessThanOrEqual": "不大于",
              "greaterThanOrEqual": "不小于", "inRange": "介于", "blank": "为空", "notBlank": "不为空",
              "andCondition": "且", "orCondition": "或", "applyFilter": "应用", "resetFilter": "重置",
              "clearFilter": "清除", "pinColumn": "固定列", "pinLeft": "固定在左侧", "pinRight": "固定在右侧",
              "noPin": "取消固定", "autosizeThisColumn": "自动调整此列宽度", "autosizeAllColumns": "自动调整所有列宽度",
              "resetColumns": "重置列", "sortAscending": "升序", "sortDescending": "降序", "sortUnSort": "取消排序",
              "page": "页", "of": "共", "to": "至", "more": "更多", "loadingError": "加载出错"}  # fmt: skip
