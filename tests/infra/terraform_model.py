"""What a Terraform root declares, evaluated: every resource of every module with its
arguments computed from the variables, for the tests that need real names and values
(the production path against the AWS emulator, tests/airflow/test_production_path.py).

Why not `tofu plan`: the AWS provider cannot be installed here (no provider registry), and a
plan needs it. This module evaluates the configuration the way a plan does, over
python-hcl2's parse tree: variables from a .tfvars file, locals, module calls, count and
for_each, dynamic blocks, string templates, for expressions, splats and the functions the
configuration uses. What a provider computes on apply (ids, ARNs) is synthesized from the
resource's own arguments in AWS's documented ARN formats, with the account and region
given (the caller identity of the emulator); `data.aws_iam_policy_document` is rendered to
the policy JSON the provider writes. Anything else a provider would compute comes out as
"(known after apply: <address>.<attribute>)", so a test that needs it sees it is unknown.
A function or expression this evaluator does not know raises TerraformModelError naming the
file; it never guesses.

    python tests/infra/terraform_model.py --environment staging --account 123456789012 \
        [--var engine_version=abc123] > model.json
"""

from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import math
import sys
import uuid
from pathlib import Path

import hcl2
from lark import Token, Tree

TF = Path(__file__).resolve().parents[2] / "infra" / "terraform"
PLATFORM = TF / "platform"
UNKNOWN = "(known after apply: {})"


class TerraformModelError(Exception):
    pass


# ------------------------------------------------------------------ parse tree helpers
def _children(node):
    """A node's children without newlines and comments."""
    return [c for c in node.children
            if not (isinstance(c, Tree) and c.data == "new_line_or_comment")]


def _trees(node):
    return [c for c in _children(node) if isinstance(c, Tree)]


def _name(node) -> str:
    """The text of an identifier, keyword or quoted block label."""
    if isinstance(node, Token):
        return str(node)
    if node.data == "string":
        return "".join(str(p.children[0]) for p in _trees(node))
    return str(node.children[0])


class Block:
    """One HCL block: its type, labels, attributes (parse trees) and nested blocks."""

    def __init__(self, node: Tree, file: Path):
        kids = _children(node)
        brace = next(i for i, k in enumerate(kids) if isinstance(k, Token) and k == "{")
        self.type = _name(kids[0])
        self.labels = [_name(k) for k in kids[1:brace]]
        self.file = file
        self.attributes: dict[str, Tree] = {}
        self.blocks: list[Block] = []
        body = next(k for k in kids if isinstance(k, Tree) and k.data == "body")
        for item in _trees(body):
            if item.data == "attribute":
                parts = _trees(item)
                self.attributes[_name(parts[0])] = parts[-1]
            elif item.data == "block":
                self.blocks.append(Block(item, file))


def parse_folder(folder: Path) -> list[Block]:
    blocks = []
    for f in sorted(folder.glob("*.tf")):
        tree = hcl2.parses_to_tree(f.read_text())
        body = _trees(tree)[0]
        blocks += [Block(b, f) for b in _trees(body) if b.data == "block"]
    return blocks


# ------------------------------------------------------------------ computed attributes
def _short_hash(text: str, n: int = 17) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def computed_attribute(rtype: str, address: str, args: dict, attr: str, ctx: "Context"):
    """What the AWS provider would return for `attr` after creating the resource."""
    acct, region = ctx.account, ctx.region
    name = args.get("name") or args.get("bucket")
    arns = {
        "aws_s3_bucket": lambda: f"arn:aws:s3:::{args['bucket']}",
        "aws_iam_role": lambda: f"arn:aws:iam::{acct}:role{args.get('path', '/')}{name}",
        "aws_iam_instance_profile":
            lambda: f"arn:aws:iam::{acct}:instance-profile{args.get('path', '/')}{name}",
        "aws_sns_topic": lambda: f"arn:aws:sns:{region}:{acct}:{name}",
        "aws_cloudwatch_log_group": lambda: f"arn:aws:logs:{region}:{acct}:log-group:{name}",
        "aws_ssm_parameter":
            lambda: f"arn:aws:ssm:{region}:{acct}:parameter/{name.lstrip('/')}",
        "aws_kms_key": lambda: f"arn:aws:kms:{region}:{acct}:key/{_key_id(address)}",
        "aws_mwaa_environment": lambda: f"arn:aws:airflow:{region}:{acct}:environment/{name}",
        "aws_glue_catalog_database":
            lambda: f"arn:aws:glue:{region}:{acct}:database/{name}",
        "aws_athena_workgroup": lambda: f"arn:aws:athena:{region}:{acct}:workgroup/{name}",
    }
    ids = {
        "aws_s3_bucket": lambda: args["bucket"],
        "aws_iam_role": lambda: name,
        "aws_iam_instance_profile": lambda: name,
        "aws_sns_topic": lambda: arns["aws_sns_topic"](),
        "aws_cloudwatch_log_group": lambda: name,
        "aws_ssm_parameter": lambda: name,
        "aws_kms_key": lambda: _key_id(address),
        "aws_emr_security_configuration": lambda: name,
        "aws_glue_catalog_database": lambda: f"{acct}:{name}",
    }
    prefixes = {"aws_vpc": "vpc", "aws_subnet": "subnet", "aws_security_group": "sg",
                "aws_eip": "eipalloc", "aws_nat_gateway": "nat", "aws_internet_gateway": "igw",
                "aws_route_table": "rtb", "aws_vpc_endpoint": "vpce", "aws_flow_log": "fl"}
    if attr == "arn" and rtype in arns:
        return arns[rtype]()
    if attr == "id" and rtype in ids:
        return ids[rtype]()
    if attr == "id" and rtype in prefixes:
        return f"{prefixes[rtype]}-{_short_hash(address)}"
    if attr == "key_id" and rtype == "aws_kms_key":
        return _key_id(address)
    if attr == "name" and rtype == "aws_emr_security_configuration":
        return args["name"]
    return UNKNOWN.format(f"{address}.{attr}")


def _key_id(address: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, address))


def policy_document(args: dict) -> str:
    """data "aws_iam_policy_document": the JSON the AWS provider renders from statements."""
    def one_or_list(values):
        values = list(values)
        return values[0] if len(values) == 1 else values

    statements = []
    for st in args.get("statement", []):
        out = {}
        if st.get("sid"):
            out["Sid"] = st["sid"]
        out["Effect"] = st.get("effect") or "Allow"
        for key, field in (("actions", "Action"), ("not_actions", "NotAction"),
                           ("resources", "Resource"), ("not_resources", "NotResource")):
            if st.get(key):
                out[field] = one_or_list(st[key])
        for key, field in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            if st.get(key):
                out[field] = {p["type"]: one_or_list(p["identifiers"]) for p in st[key]}
        conditions = {}
        for c in st.get("condition", []):
            conditions.setdefault(c["test"], {})[c["variable"]] = one_or_list(c["values"])
        if conditions:
            out["Condition"] = conditions
        statements.append(out)
    return json.dumps({"Version": args.get("version") or "2012-10-17", "Statement": statements})


# ------------------------------------------------------------------ functions
def _cidrsubnet(prefix, newbits, netnum):
    net = ipaddress.ip_network(prefix)
    return str(list(net.subnets(prefixlen_diff=newbits))[netnum])


def _one(values):
    values = list(values)
    if len(values) > 1:
        raise TerraformModelError("one(): more than one element")
    return values[0] if values else None


def _slice(values, start, end):
    return list(values)[start:end]


def _as_list(value):
    return sorted(value) if isinstance(value, (set, frozenset)) else list(value)


FUNCTIONS = {
    "cidrsubnet": _cidrsubnet,
    "coalesce": lambda *a: next(x for x in a if x not in (None, "")),
    "concat": lambda *lists: [x for values in lists for x in values],
    "contains": lambda values, v: v in values,
    "filemd5": lambda p: hashlib.md5(Path(p).read_bytes()).hexdigest(),
    "file": lambda p: Path(p).read_text(),
    "flatten": lambda v: [y for x in v for y in (x if isinstance(x, list) else [x])],
    "floor": lambda x: math.floor(x),
    "jsonencode": lambda v: json.dumps(v, separators=(",", ":")),
    "keys": lambda m: sorted(m),
    "values": lambda m: [m[k] for k in sorted(m)],
    "length": lambda v: len(v),
    "lookup": lambda m, k, *d: m.get(k, d[0]) if d else m[k],
    "lower": lambda s: s.lower(),
    "upper": lambda s: s.upper(),
    "merge": lambda *maps: {k: v for m in maps for k, v in m.items()},
    "one": _one,
    "range": lambda *a: list(range(*[int(x) for x in a])),
    "replace": lambda s, old, new: s.replace(old, new),
    "slice": _slice,
    "toset": lambda v: sorted(set(v)),
    "tolist": _as_list,
    "tostring": lambda v: _to_string(v),
    "format": lambda fmt, *a: fmt.replace("%%", "\0") % tuple(a),
}


def _to_string(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None:
        raise TerraformModelError("interpolating null")
    if not isinstance(value, (str, int, float)):
        raise TerraformModelError(f"cannot interpolate a {type(value).__name__}")
    return str(value)


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "u":
                out.append(chr(int(text[i + 2:i + 6], 16)))
                i += 6
                continue
            out.append({"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}.get(nxt, nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


# ------------------------------------------------------------------ evaluation
class Namespace:
    """`var`, `local`, `module`, `data.<type>` or a resource type: attribute access looks up."""

    def __init__(self, what: str, lookup):
        self.what, self.lookup = what, lookup

    def get(self, name):
        return self.lookup(name)


class Instance:
    """One resource or data source instance: its arguments and blocks, evaluated, plus what
    the provider computes."""

    def __init__(self, module: "Module", block: Block, address: str, scope: dict):
        self.type, self.address, self.block = block.labels[0], address, block
        self.args = module.evaluate_body(block, scope, address)
        if block.type == "data" and self.type == "aws_iam_policy_document":
            self.args["json"] = policy_document(self.args)
        elif block.type == "data" and self.type == "aws_caller_identity":
            self.args.update(account_id=module.ctx.account, id=module.ctx.account,
                             arn=f"arn:aws:iam::{module.ctx.account}:root")
        elif block.type == "data" and self.type == "aws_region":
            self.args.update(name=module.ctx.region, id=module.ctx.region)
        elif block.type == "data" and self.type == "aws_partition":
            self.args.update(partition="aws", dns_suffix="amazonaws.com")
        self.ctx = module.ctx

    def get(self, attr):
        if attr in self.args:
            return self.args[attr]
        return computed_attribute(self.type, self.address, self.args, attr, self.ctx)

    def to_json(self) -> dict:
        out = dict(self.args)
        for attr in ("id", "arn"):
            value = self.get(attr)
            if not str(value).startswith("(known after apply"):
                out[attr] = value
        return out


class Context:
    def __init__(self, account: str, region: str, workspace: str):
        self.account, self.region, self.workspace = account, region, workspace


class Module:
    def __init__(self, folder: Path, address: str, inputs: dict, ctx: Context,
                 parent_scope_eval=None):
        self.folder, self.address, self.ctx = folder.resolve(), address, ctx
        self.blocks = parse_folder(folder)
        self._inputs = inputs  # name -> value, or a thunk evaluated in the parent
        self._cache: dict = {}
        self.variables = {b.labels[0]: b for b in self.blocks if b.type == "variable"}
        self.locals = {k: (v, b) for b in self.blocks if b.type == "locals"
                       for k, v in b.attributes.items()}
        self.resources = {(b.labels[0], b.labels[1]): b for b in self.blocks
                          if b.type == "resource"}
        self.data = {(b.labels[0], b.labels[1]): b for b in self.blocks if b.type == "data"}
        self.modules = {b.labels[0]: b for b in self.blocks if b.type == "module"}
        self.outputs = {b.labels[0]: b for b in self.blocks if b.type == "output"}
        unknown = set(inputs) - set(self.variables)
        if unknown:
            raise TerraformModelError(f"{folder}: no variable declared for {sorted(unknown)}")

    # -- names
    def _memo(self, key, make):
        if key not in self._cache:
            self._cache[key] = _IN_PROGRESS
            self._cache[key] = make()
        elif self._cache[key] is _IN_PROGRESS:
            raise TerraformModelError(f"{self.address or 'root'}: cycle through {key}")
        return self._cache[key]

    def var(self, name):
        def make():
            if name in self._inputs:
                value = self._inputs[name]
                return value() if callable(value) else value
            block = self.variables.get(name)
            if block is None:
                raise TerraformModelError(f"{self.folder}: no variable {name}")
            if "default" not in block.attributes:
                raise TerraformModelError(f"{self.folder}: variable {name} has no value")
            return self.eval(block.attributes["default"], {}, block.file)
        return self._memo(("var", name), make)

    def local(self, name):
        if name not in self.locals:
            raise TerraformModelError(f"{self.folder}: no local {name}")
        node, block = self.locals[name]
        return self._memo(("local", name), lambda: self.eval(node, {}, block.file))

    def child(self, name) -> "Module":
        def make():
            block = self.modules[name]
            if "count" in block.attributes or "for_each" in block.attributes:
                raise TerraformModelError(f"module {name}: count/for_each is not supported")
            source = self.eval(block.attributes["source"], {}, block.file)
            inputs = {k: (lambda n=node: self.eval(n, {}, block.file))
                      for k, node in block.attributes.items()
                      if k not in ("source", "version", "providers", "depends_on")}
            address = f"{self.address}module.{name}."
            return Module(self.folder / source, address, inputs, self.ctx)
        if name not in self.modules:
            raise TerraformModelError(f"{self.folder}: no module {name}")
        return self._memo(("module", name), make)

    def output(self, name):
        block = self.outputs[name]
        return self._memo(("output", name),
                          lambda: self.eval(block.attributes["value"], {}, block.file))

    def resource(self, kind: str, rtype: str, name: str):
        """A resource's value: one instance, a list (count) or a map (for_each)."""
        table = self.resources if kind == "resource" else self.data
        block = table.get((rtype, name))
        if block is None:
            raise TerraformModelError(f"{self.folder}: no {kind} {rtype}.{name}")
        base = f"{self.address}{'data.' if kind == 'data' else ''}{rtype}.{name}"

        def make():
            if "count" in block.attributes:
                n = self.eval(block.attributes["count"], {}, block.file)
                return [Instance(self, block, f"{base}[{i}]", {"count": {"index": i}})
                        for i in range(int(n))]
            if "for_each" in block.attributes:
                items = self.eval(block.attributes["for_each"], {}, block.file)
                if isinstance(items, list):
                    items = {v: v for v in items}
                return {k: Instance(self, block, f'{base}["{k}"]', {"each": {"key": k, "value": v}})
                        for k, v in items.items()}
            return Instance(self, block, base, {})
        return self._memo((kind, rtype, name), make)

    def instances(self):
        """Every resource and data instance of this module and its children."""
        for kind, table in (("resource", self.resources), ("data", self.data)):
            for rtype, name in table:
                value = self.resource(kind, rtype, name)
                if isinstance(value, list):
                    yield from value
                elif isinstance(value, dict):
                    yield from value.values()
                else:
                    yield value
        for name in self.modules:
            yield from self.child(name).instances()

    # -- bodies
    def evaluate_body(self, block: Block, scope: dict, address: str) -> dict:
        skip = {"count", "for_each", "depends_on", "provider", "lifecycle"}
        out = {k: self.eval(v, scope, block.file) for k, v in block.attributes.items()
               if k not in skip}
        for nested in block.blocks:
            if nested.type in skip:
                continue
            if nested.type == "dynamic":
                label = nested.labels[0]
                items = self.eval(nested.attributes["for_each"], scope, block.file)
                pairs = items.items() if isinstance(items, dict) else enumerate(items)
                content = next(b for b in nested.blocks if b.type == "content")
                out.setdefault(label, [])
                for k, v in pairs:
                    out[label].append(self.evaluate_body(
                        content, {**scope, label: {"key": k, "value": v}}, address))
            else:
                out.setdefault(nested.type, []).append(
                    self.evaluate_body(nested, scope, address))
        return out

    # -- expressions
    def eval(self, node, scope: dict, file: Path):
        try:
            return self._eval(node, scope)
        except TerraformModelError as e:
            if str(e).startswith(str(file)):
                raise
            raise TerraformModelError(f"{file}: {e}") from e  # the chain of files, outermost first
        except Exception as e:  # an unsupported construct or a type error: say where
            raise TerraformModelError(f"{file}: {type(e).__name__}: {e}") from e

    def _eval(self, node, scope):
        if isinstance(node, Token):
            raise TerraformModelError(f"unexpected token {node!r}")
        kind = node.data
        kids = _trees(node)
        if kind == "expr_term":
            return self._eval(kids[0], scope)
        if kind == "int_lit":
            return int(node.children[0])
        if kind == "float_lit":
            return float(node.children[0])
        if kind == "literal_value":
            return {"true": True, "false": False, "null": None}[str(node.children[0])]
        if kind == "string":
            return self._template(kids, scope)
        if kind == "tuple":
            return [self._eval(k, scope) for k in kids]
        if kind == "object":
            out = {}
            for elem in kids:
                key_node, value_node = _trees(elem)
                out[self._object_key(key_node, scope)] = self._eval(value_node, scope)
            return out
        if kind == "identifier":
            return self._identifier(str(node.children[0]), scope)
        if kind == "function_call":
            name = str(_trees(node)[0].children[0])
            args = [self._eval(a, scope) for a in _trees(kids[1])] if len(kids) > 1 else []
            if name not in FUNCTIONS:
                raise TerraformModelError(f"function {name}() is not modelled")
            return FUNCTIONS[name](*args)
        if kind == "get_attr_expr_term":
            return self._get_attr(self._eval(kids[0], scope), self._attr_name(kids[1]))
        if kind == "index_expr_term":
            return self._index(self._eval(kids[0], scope), kids[1], scope)
        if kind in ("full_splat_expr_term", "attr_splat_expr_term"):
            base = self._eval(kids[0], scope)
            items = [] if base is None else base if isinstance(base, list) else [base]
            return [self._traverse(item, _trees(kids[1]), scope) for item in items]
        if kind == "conditional":
            cond, yes, no = kids
            return self._eval(yes if self._eval(cond, scope) else no, scope)
        if kind == "binary_op":
            return self._binary(kids, scope)
        if kind == "unary_op":
            op, value = str(node.children[0]), self._eval(kids[0], scope)
            return -value if op == "-" else not value
        if kind == "for_tuple_expr":
            return [v for _, v in self._for(kids, scope, tuple_result=True)]
        if kind == "for_object_expr":
            return dict(self._for(kids, scope, tuple_result=False))
        if kind == "heredoc_template":
            raise TerraformModelError("heredoc templates are not modelled")
        raise TerraformModelError(f"expression {kind} is not modelled")

    def _template(self, parts, scope):
        values = []
        for part in parts:
            child = part.children[0]
            if isinstance(child, Tree) and child.data == "interpolation":
                values.append(self._eval(_trees(child)[0], scope))
            elif isinstance(child, Tree):
                raise TerraformModelError("template directives are not modelled")
            elif child.type == "ESCAPED_INTERPOLATION":
                values.append(str(child)[1:])
            elif child.type == "ESCAPED_DIRECTIVE":
                values.append(str(child)[1:])
            else:
                values.append(_unescape(str(child)))
        # "${x}" alone keeps x's type, as Terraform does.
        if len(parts) == 1 and isinstance(parts[0].children[0], Tree):
            return values[0]
        return "".join(v if isinstance(v, str) and not _is_interp(p) else _to_string(v)
                       for v, p in zip(values, parts))

    def _object_key(self, node, scope):
        inner = _trees(node)[0] if _trees(node) else node
        if isinstance(inner, Tree) and inner.data == "expr_term":
            term = _trees(inner)[0]
            if term.data == "identifier":
                return str(term.children[0])
        if isinstance(inner, Tree) and inner.data == "keyword":
            return str(inner.children[0])
        return _to_string(self._eval(inner, scope))

    def _identifier(self, name, scope):
        if name in scope:
            return scope[name]
        if name == "var":
            return Namespace("var", self.var)
        if name == "local":
            return Namespace("local", self.local)
        if name == "module":
            return Namespace("module", lambda m: Namespace(
                f"module.{m}", lambda o, c=self.child(m): c.output(o)))
        if name == "data":
            return Namespace("data", lambda t: Namespace(
                f"data.{t}", lambda n: self.resource("data", t, n)))
        if name == "path":
            return {"module": str(self.folder), "root": str(PLATFORM), "cwd": str(PLATFORM)}
        if name == "terraform":
            return {"workspace": self.ctx.workspace}
        if any(rtype == name for rtype, _ in self.resources):
            return Namespace(name, lambda n: self.resource("resource", name, n))
        raise TerraformModelError(f"unknown name {name}")

    @staticmethod
    def _attr_name(get_attr):
        return _name(_trees(get_attr)[0])

    def _get_attr(self, value, attr):
        if isinstance(value, (Namespace, Instance)):
            return value.get(attr)
        if isinstance(value, dict):
            if attr not in value:
                raise TerraformModelError(f"no attribute {attr} in {sorted(value)}")
            return value[attr]
        raise TerraformModelError(f"cannot read .{attr} of a {type(value).__name__}")

    def _index(self, value, index_node, scope):
        if index_node.data == "short_index":
            key = int(index_node.children[-1])
        else:
            key = self._eval(_trees(index_node)[0], scope)
        if isinstance(value, list):
            return value[int(key)]
        if isinstance(value, (Namespace, Instance)):
            return value.get(key)
        return value[key]

    def _traverse(self, value, steps, scope):
        for step in steps:
            if step.data == "get_attr":
                value = self._get_attr(value, self._attr_name(step))
            else:
                value = self._index(value, step, scope)
        return value

    def _binary(self, kids, scope):
        left = self._eval(kids[0], scope)
        term = kids[1]
        op = str(_trees(term)[0].children[0]) if _trees(term)[0].data == "binary_operator" \
            else str(term.children[0])
        right = self._eval(_trees(term)[-1], scope)
        ops = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
               "/": lambda a, b: a / b, "%": lambda a, b: a % b, "==": lambda a, b: a == b,
               "!=": lambda a, b: a != b, "<": lambda a, b: a < b, ">": lambda a, b: a > b,
               "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b,
               "&&": lambda a, b: a and b, "||": lambda a, b: a or b}
        return ops[op](left, right)

    def _for(self, kids, scope, tuple_result):
        intro = kids[0]
        names = [str(t.children[0]) for t in _trees(intro) if t.data == "identifier"]
        collection = self._eval(_trees(intro)[-1], scope)
        rest = kids[1:]
        cond = rest[-1] if rest and rest[-1].data == "for_cond" else None
        exprs = rest[:-1] if cond is not None else rest
        if isinstance(collection, dict):
            pairs = list(collection.items())
        else:
            pairs = list(enumerate(collection))
        out = []
        for k, v in pairs:
            inner = dict(scope)
            if len(names) == 2:
                inner[names[0]], inner[names[1]] = k, v
            else:
                inner[names[0]] = v
            if cond is not None and not self._eval(_trees(cond)[0], inner):
                continue
            if tuple_result:
                out.append((None, self._eval(exprs[0], inner)))
            else:
                out.append((self._eval(exprs[0], inner), self._eval(exprs[1], inner)))
        return out


def _is_interp(part) -> bool:
    child = part.children[0]
    return isinstance(child, Tree) and child.data == "interpolation"


_IN_PROGRESS = object()


# ------------------------------------------------------------------ the platform
def read_tfvars(path: Path) -> dict:
    root = Module.__new__(Module)  # a bare evaluator: tfvars hold literals only
    root.ctx = Context("", "", "")
    tree = hcl2.parses_to_tree(path.read_text())
    values = {}
    for item in _trees(_trees(tree)[0]):
        if item.data == "attribute":
            parts = _trees(item)
            values[_name(parts[0])] = Module._eval(root, parts[-1], {})
    return values


def platform(environment: str, account: str, variables: dict | None = None) -> Module:
    """The platform root for one environment: its .tfvars plus `variables` (what the deploy
    passes as TF_VAR_*), in the account the caller names."""
    values = read_tfvars(PLATFORM / "environments" / f"{environment}.tfvars")
    values.update(variables or {})
    ctx = Context(account, values["region"], f"sensorlake-{environment}")
    return Module(PLATFORM, "", values, ctx)


def model(environment: str, account: str, variables: dict | None = None) -> dict:
    """Everything the root declares: {"resources": {address: {type, mode, values}},
    "outputs": {name: value}} (JSON-ready)."""
    root = platform(environment, account, variables)
    resources = {}
    for inst in root.instances():
        resources[inst.address] = {"type": inst.type, "mode": inst.block.type,
                                   "values": inst.to_json()}
    outputs = {name: root.output(name) for name in root.outputs}
    return {"environment": environment, "account": account, "region": root.ctx.region,
            "resources": resources, "outputs": outputs}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--environment", required=True)
    ap.add_argument("--account", required=True)
    ap.add_argument("--var", action="append", default=[], metavar="NAME=VALUE")
    a = ap.parse_args(argv)
    variables = dict(v.split("=", 1) for v in a.var)
    try:
        json.dump(model(a.environment, a.account, variables), sys.stdout, indent=1, default=str)
    except TerraformModelError as e:
        print(f"terraform_model: {e}", file=sys.stderr)
        return 1
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
