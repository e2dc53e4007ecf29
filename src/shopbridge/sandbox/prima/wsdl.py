"""The sandbox's WSDL, written by us from OpenEdge WSA conventions (Prima's own WSDL is not public).

Document/literal, target namespace ``urn:omlink``, two operations taking the Prima document as a
string and answering one, and the WSA's ``FaultDetail`` (``errorMessage``, ``requestID``). The
parameter names (``CompanyID``, ``RequestXML``, ``ResponseXML``) are ours: see WIRE.md.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<definitions name="omlink" targetNamespace="urn:omlink" xmlns:tns="urn:omlink"
    xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <types>
    <schema targetNamespace="urn:omlink" elementFormDefault="qualified" xmlns="http://www.w3.org/2001/XMLSchema">
      <element name="wsomhandler"><complexType><sequence>
        <element name="RequestXML" type="xsd:string" nillable="true"/></sequence></complexType></element>
      <element name="wsomhandlerResponse"><complexType><sequence>
        <element name="ResponseXML" type="xsd:string" nillable="true"/></sequence></complexType></element>
      <element name="comwsomhandler"><complexType><sequence>
        <element name="CompanyID" type="xsd:string" nillable="true"/>
        <element name="RequestXML" type="xsd:string" nillable="true"/></sequence></complexType></element>
      <element name="comwsomhandlerResponse"><complexType><sequence>
        <element name="ResponseXML" type="xsd:string" nillable="true"/></sequence></complexType></element>
      <element name="FaultDetail"><complexType><sequence>
        <element name="errorMessage" type="xsd:string"/>
        <element name="requestID" type="xsd:string"/></sequence></complexType></element>
    </schema>
  </types>
  <message name="wsomhandler"><part name="parameters" element="tns:wsomhandler"/></message>
  <message name="wsomhandlerResponse"><part name="parameters" element="tns:wsomhandlerResponse"/></message>
  <message name="comwsomhandler"><part name="parameters" element="tns:comwsomhandler"/></message>
  <message name="comwsomhandlerResponse">
    <part name="parameters" element="tns:comwsomhandlerResponse"/></message>
  <message name="FaultDetailMessage"><part name="FaultDetail" element="tns:FaultDetail"/></message>
  <portType name="omlinkObj">
    <operation name="wsomhandler"><input message="tns:wsomhandler"/>
      <output message="tns:wsomhandlerResponse"/>
      <fault name="omlinkFault" message="tns:FaultDetailMessage"/></operation>
    <operation name="comwsomhandler"><input message="tns:comwsomhandler"/>
      <output message="tns:comwsomhandlerResponse"/>
      <fault name="omlinkFault" message="tns:FaultDetailMessage"/></operation>
  </portType>
  <binding name="omlinkObj" type="tns:omlinkObj">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="wsomhandler"><soap:operation soapAction="" style="document"/>
      <input><soap:body use="literal"/></input><output><soap:body use="literal"/></output>
      <fault name="omlinkFault"><soap:fault name="omlinkFault" use="literal"/></fault></operation>
    <operation name="comwsomhandler"><soap:operation soapAction="" style="document"/>
      <input><soap:body use="literal"/></input><output><soap:body use="literal"/></output>
      <fault name="omlinkFault"><soap:fault name="omlinkFault" use="literal"/></fault></operation>
  </binding>
  <service name="omlinkService">
    <port name="omlinkObj" binding="tns:omlinkObj"><soap:address location=LOCATION/></port>
  </service>
</definitions>
"""


def wsdl(location: str) -> str:
    return _TEMPLATE.replace("LOCATION", quoteattr(location))
